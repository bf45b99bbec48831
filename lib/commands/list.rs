//! `git realm list`: the realms in this user's index, with their local checkouts.

use clap::Parser;

use crate::cli::{Command, EXIT_STATUS, GlobalArgs};
use crate::error::{Exit, Result};
use crate::index;
use crate::ui::{Paint, Ui};

/// List the realms this user knows, with their local member checkouts
#[derive(Parser, Debug)]
#[command(
    name = "git-realm-list",
    bin_name = "git realm list",
    version,
    after_help = EXIT_STATUS,
    after_long_help = concat!(
        "Examples:\n",
        "  git realm list\n",
        "  git realm list --json | jq -r '.realms[].name'\n\n",
        crate::exit_status!()
    ),
)]
pub struct ListArgs {
    #[command(flatten)]
    pub global: GlobalArgs,
}

impl Command for ListArgs {
    fn global(&self) -> &GlobalArgs {
        &self.global
    }

    fn run(self, ui: &Ui) -> Result<Exit> {
        let mut idx = index::load()?;
        if let Some(only) = &self.global.realm {
            idx.realms.retain(|r| &r.name == only);
        }
        if ui.json {
            ui.json(&idx);
            return Ok(Exit::Success);
        }
        if idx.realms.is_empty() {
            ui.line(format!(
                "No realms in the index ({}).",
                index::path()?.display()
            ));
            ui.line("  Create one with `git realm init PATH --name NAME`, or join one with `git realm join URL`.");
        }
        for realm in &idx.realms {
            ui.line(format!(
                "{}  {}",
                ui.paint(realm.name.as_str(), Paint::Bold),
                realm.url
            ));
            for c in &realm.checkouts {
                let missing = if c.path.exists() {
                    String::new()
                } else {
                    ui.paint("  (missing)", Paint::Yellow)
                };
                ui.line(format!(
                    "  {:<24} {}{missing}",
                    c.repo.as_str(),
                    c.path.display()
                ));
            }
        }
        Ok(Exit::Success)
    }
}
