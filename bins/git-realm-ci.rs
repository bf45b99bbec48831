fn main() {
    git_realm::cli::main::<git_realm::commands::ci::CiArgs>()
}
