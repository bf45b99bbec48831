fn main() {
    git_realm::cli::main::<git_realm::commands::remove::RemoveArgs>()
}
