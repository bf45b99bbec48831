fn main() {
    git_realm::dispatch::main()
}
