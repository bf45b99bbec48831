//! Where each kind of file lives on the realm branch.

pub const REALM: &str = "realm.yaml";
pub const REPOS: &str = "repos";
pub const DOMAINS: &str = "domains";
pub const CHANGES: &str = "changes";
/// A realm hosted on GitHub (`git realm init --github`): its hosting setup,
/// owned by the approvers.
pub const GITHUB: &str = ".github";
/// Who reviews which realm file on GitHub, generated from the realm's state.
pub const CODEOWNERS: &str = ".github/CODEOWNERS";
/// The workflow that runs `git realm verify` on GitHub.
pub const VERIFY_WORKFLOW: &str = ".github/workflows/realm-verify.yml";

pub fn repo(name: &str) -> String {
    format!("repos/{name}.yaml")
}
pub fn domain_dir(domain: &str) -> String {
    format!("domains/{domain}")
}
pub fn domain(domain: &str) -> String {
    format!("domains/{domain}/domain.yaml")
}
pub fn contracts_dir(domain: &str) -> String {
    format!("domains/{domain}/contracts")
}
pub fn contract(domain: &str, contract: &str) -> String {
    format!("domains/{domain}/contracts/{contract}.yaml")
}
pub fn bindings_dir(domain: &str) -> String {
    format!("domains/{domain}/bindings")
}
pub fn binding(domain: &str, repo: &str) -> String {
    format!("domains/{domain}/bindings/{repo}.yaml")
}
pub fn change(id: &str) -> String {
    format!("changes/{id}.yaml")
}
