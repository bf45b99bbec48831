fn main() {
    git_realm::cli::main::<git_realm::commands::resolve::ResolveArgs>()
}
