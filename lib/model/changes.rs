//! `changes/<change>.yaml`: a coordinated change across repos, its linked commits
//! and pull requests.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeStatus {
    #[default]
    Open,
    Merged,
    Abandoned,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkedCommit {
    pub repo: Name,
    pub commit: CommitId,
    /// The `git realm commit` round that made it (the same id in its note).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub round: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PullRequest {
    pub repo: Name,
    pub url: String,
    pub number: u64,
}

/// `changes/<change>.yaml`: a coordinated change across repos.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChangeFile {
    pub id: Name,
    pub branch: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base: Option<String>,
    pub repos: Vec<Name>,
    #[serde(default)]
    pub domains: Vec<Name>,
    #[serde(default)]
    pub status: ChangeStatus,
    pub created_by: Email,
    pub created_at: Timestamp,
    #[serde(default)]
    pub commits: Vec<LinkedCommit>,
    #[serde(default)]
    pub prs: Vec<PullRequest>,
    #[serde(default)]
    pub merge_order: Vec<Name>,
}

impl Document for ChangeFile {
    fn check(&self, stem: &str) -> std::result::Result<(), (&'static str, String)> {
        must_match("id", &self.id, stem)?;
        check_branch_name(&self.branch).map_err(|e| ("branch", e))?;
        if let Some(base) = &self.base {
            check_base(base).map_err(|e| ("base", e))?;
        }
        // A repo listed twice would be worked on twice at once (two commits
        // racing in one worktree); git-realm writes each once.
        let mut seen = std::collections::BTreeSet::new();
        if let Some(twice) = self.repos.iter().find(|r| !seen.insert(*r)) {
            return Err(("repos", format!("{twice} is listed twice")));
        }
        for pr in &self.prs {
            if pr.number == 0 {
                return Err(("prs", "a pull request number is never 0".into()));
            }
            if !self.repos.contains(&pr.repo) {
                return Err((
                    "prs",
                    format!("{} does not take part in this change", pr.repo),
                ));
            }
            if !pr.url.starts_with("https://")
                || pr.url.chars().any(|c| c.is_whitespace() || c.is_control())
                || crate::forge::pr_number_from_url(&pr.url) != Some(pr.number)
            {
                return Err((
                    "prs",
                    format!(
                        "{:?} is not the https url of pull request #{}",
                        pr.url, pr.number
                    ),
                ));
            }
        }
        Ok(())
    }
    fn normalize(&mut self) {
        sort_dedup(&mut self.repos);
        sort_dedup(&mut self.domains);
    }
}
