# fish completion for git-realm: `git realm ...`, `git-realm ...` and
# `git-realm-<command> ...`. `--realm` completes the realms of the current
# repository (git config realm.<name>.url).
#
# Generated from the clap definitions of git-realm 0.1.0: do not edit.
# Regenerate with `UPDATE_DOCS=1 cargo test --test docs`.

# __git_realm_node PATH: the subcommands, options and options taking a value
# of the command PATH ("" for git-realm itself, "join", ...).
function __git_realm_node -a cmdpath
    set -g __git_realm_subs
    set -g __git_realm_opts
    set -g __git_realm_vopts
    switch "$cmdpath"
        case ''
            set __git_realm_subs 'init'\t'Create a realm: a bare git repository whose main branch holds the shared state' 'join'\t'Register this repository in a realm' 'leave'\t'Unregister this repository from its realm(s)' 'maintainer'\t'Add or remove this repository\'s maintainers and their signing keys' 'domain'\t'Create and inspect domains: coordination contexts between repositories' 'remove'\t'Remove an import, an export, a domain, or abandon a change' 'export'\t'Declare or update a contract this repository provides' 'import'\t'Declare that this repository consumes a contract' 'check'\t'Check exports and imports against the realm (exit 1 when something needs attention)' 'sync'\t'Publish changed exports, resolve imports, notify consumers' 'resolve'\t'Acknowledge a stale import without changing files' 'status'\t'Show this repository\'s realms, registration and domains' 'graph'\t'Show the dependency graph between repositories' 'worktree'\t'Start a coordinated change: one branch, a worktree in every participating repo' 'commit'\t'Commit in every worktree of the current change, and link the commits' 'push'\t'Push the change\'s branch and refs/notes/realm in every participating repo' 'pr'\t'Open linked pull requests for a change, in merge order' 'watch'\t'Watch the realm and tell what changes for this repository' 'list'\t'List the realms this user knows, with their local member checkouts' 'ci'\t'Set up continuous integration for this repository\'s realms' 'verify'\t'Check the realm\'s files and commits against its trust level' 'help'\t'Print this message or the help of the given subcommand(s)'
            set __git_realm_opts '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
        case 'init'
            set __git_realm_opts '--name'\t'The realm\'s name (lowercase letters, digits and \'-\')' '--bare'\t'Accepted for compatibility: a new realm is always a bare repository' '--admission'\t'Who may join: open (push directly), approval or invite-only (proposal branch)' '--approver'\t'An approver for joins and breaking changes (repeatable)' '--require-approval'\t'Breaking contract changes go to a proposal branch instead of being pushed' '--trust'\t'Who may write what: open (anyone with push access), owners (each file by its maintainers), signed (owners, and every commit signed by a recorded key)' '--hooks'\t'Install the pre-receive hook that runs `git realm verify` (a bare realm on a server)' '--github'\t'Host the realm on GitHub: also commit .github/CODEOWNERS (kept current by every write that changes maintainers) and a workflow running `git realm verify`' '--install'\t'With --github: the command the workflow installs git-realm with' '--grace-days'\t'Days consumers get to adapt to a breaking change' '-n'\t'Say what the realm would be (its path, realm.yaml, hooks, GitHub files), and create nothing' '--dry-run'\t'Say what the realm would be (its path, realm.yaml, hooks, GitHub files), and create nothing' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--name' '--admission' '--approver' '--trust' '--install' '--grace-days' '--realm' '--color'
        case 'join'
            set __git_realm_opts '--as'\t'This repository\'s name in the realm (default: from its origin url or directory)' '--maintainer'\t'Another maintainer of this repository, besides you (repeatable)' '--url'\t'The url other members use for this repository (default: remote.origin.url as configured)' '-n'\t'Fetch the realm and say what joining would write (the realm commit or proposal, the git config, the index), and write nothing' '--dry-run'\t'Fetch the realm and say what joining would write (the realm commit or proposal, the git config, the index), and write nothing' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--as' '--maintainer' '--url' '--realm' '--color'
        case 'leave'
            set __git_realm_opts '--force'\t'Leave even though other repositories import this repository\'s exports' '-n'\t'Print what would be removed, and write nothing' '--dry-run'\t'Print what would be removed, and write nothing' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--realm' '--color'
        case 'maintainer'
            set __git_realm_subs 'list'\t'List the maintainers and their keys (the default)' 'add'\t'Add a maintainer, or a key of one' 'remove'\t'Remove a maintainer (with their keys), or only one key with --key' 'help'\t'Print this message or the help of the given subcommand(s)'
            set __git_realm_opts '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--realm' '--color'
        case 'maintainer list'
            set __git_realm_opts '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help' '--help'\t'Print help'
            set __git_realm_vopts '--realm' '--color'
        case 'maintainer add'
            set __git_realm_opts '--key'\t'A public signing key: an ssh public key, a file holding one, or an OpenPGP fingerprint' '--my-key'\t'Your own signing key (user.signingkey), for your own e-mail' '-n'\t'Print the realm commit it would make; write nothing' '--dry-run'\t'Print the realm commit it would make; write nothing' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help' '--help'\t'Print help'
            set __git_realm_vopts '--key' '--realm' '--color'
        case 'maintainer remove'
            set __git_realm_opts '--key'\t'Remove only this key' '-n'\t'Print the realm commit it would make; write nothing' '--dry-run'\t'Print the realm commit it would make; write nothing' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help' '--help'\t'Print help'
            set __git_realm_vopts '--key' '--realm' '--color'
        case 'maintainer help'
            set __git_realm_subs 'list'\t'List the maintainers and their keys (the default)' 'add'\t'Add a maintainer, or a key of one' 'remove'\t'Remove a maintainer (with their keys), or only one key with --key'
        case 'domain'
            set __git_realm_subs 'create'\t'Create a domain between registered repositories' 'add'\t'Add a registered repository to a domain' 'list'\t'List the realm\'s domains' 'show'\t'Show a domain: members, contracts, exports and imports' 'help'\t'Print this message or the help of the given subcommand(s)'
            set __git_realm_opts '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--realm' '--color'
        case 'domain create'
            set __git_realm_opts '--repos'\t'The participating repositories, comma-separated' '--description'\t'What is being coordinated' '-n'\t'Print the realm commit it would make; write nothing' '--dry-run'\t'Print the realm commit it would make; write nothing' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help' '--help'\t'Print help'
            set __git_realm_vopts '--repos' '--description' '--realm' '--color'
        case 'domain add'
            set __git_realm_opts '-n'\t'Print the realm commit it would make; write nothing' '--dry-run'\t'Print the realm commit it would make; write nothing' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help' '--help'\t'Print help'
            set __git_realm_vopts '--realm' '--color'
        case 'domain list'
            set __git_realm_opts '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help' '--help'\t'Print help'
            set __git_realm_vopts '--realm' '--color'
        case 'domain show'
            set __git_realm_opts '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help' '--help'\t'Print help'
            set __git_realm_vopts '--realm' '--color'
        case 'domain help'
            set __git_realm_subs 'create'\t'Create a domain between registered repositories' 'add'\t'Add a registered repository to a domain' 'list'\t'List the realm\'s domains' 'show'\t'Show a domain: members, contracts, exports and imports'
        case 'remove'
            set __git_realm_subs 'import'\t'Stop importing a contract (this repository\'s binding forgets it)' 'export'\t'Stop providing a contract: the declaration and the published contract go' 'domain'\t'Remove a domain (refused while it holds contracts or bindings)' 'change'\t'Abandon a change: it is closed in the realm and no longer listed as open' 'help'\t'Print this message or the help of the given subcommand(s)'
            set __git_realm_opts '-n'\t'Print the realm commit it would make, and write nothing' '--dry-run'\t'Print the realm commit it would make, and write nothing' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--realm' '--color'
        case 'remove import'
            set __git_realm_opts '--domain'\t'The domain the contract belongs to' '-n'\t'Print the realm commit it would make, and write nothing' '--dry-run'\t'Print the realm commit it would make, and write nothing' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help' '--help'\t'Print help'
            set __git_realm_vopts '--domain' '--realm' '--color'
        case 'remove export'
            set __git_realm_opts '--domain'\t'The domain the contract belongs to' '--force'\t'Remove it even though other repositories import it' '-n'\t'Print the realm commit it would make, and write nothing' '--dry-run'\t'Print the realm commit it would make, and write nothing' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help' '--help'\t'Print help'
            set __git_realm_vopts '--domain' '--realm' '--color'
        case 'remove domain'
            set __git_realm_opts '--force'\t'Remove it with all its contracts and bindings' '-n'\t'Print the realm commit it would make, and write nothing' '--dry-run'\t'Print the realm commit it would make, and write nothing' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help' '--help'\t'Print help'
            set __git_realm_vopts '--realm' '--color'
        case 'remove change'
            set __git_realm_opts '-n'\t'Print the realm commit it would make, and write nothing' '--dry-run'\t'Print the realm commit it would make, and write nothing' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help' '--help'\t'Print help'
            set __git_realm_vopts '--realm' '--color'
        case 'remove help'
            set __git_realm_subs 'import'\t'Stop importing a contract (this repository\'s binding forgets it)' 'export'\t'Stop providing a contract: the declaration and the published contract go' 'domain'\t'Remove a domain (refused while it holds contracts or bindings)' 'change'\t'Abandon a change: it is closed in the realm and no longer listed as open'
        case 'export'
            set __git_realm_opts '--domain'\t'The domain the contract belongs to' '--value'\t'A literal JSON value' '--file'\t'A YAML, JSON or TOML file in this repository, optionally narrowed by a JSON pointer' '--extract'\t'Every match of REGEX in the files matching GLOB (gitignore-style patterns separated by spaces, `!pattern` excludes): group `value`, else every group; groups `key` and `value` build a map. Repeatable' '--extract-key'\t'Like --extract, collected under KEY, building an object of lists; repeatable' '--extract-by-file'\t'Like --extract, with the items of each file under its path (an item\'s identity includes its file); repeatable' '--command'\t'A program (and its arguments, quoted as in a shell; no shell runs it) whose output is the value: run in a clean checkout of the commit, with only PATH and HOME in its environment. Output: JSON, YAML starting with `---`, or one item per line' '--timeout'\t'How long --command may run, in seconds (default 120)' '--key'\t'A field identifying the objects of an array (compared by position otherwise); repeatable' '--description'\t'What the contract means, for its consumers' '--schema'\t'A JSON Schema (JSON or YAML file) the value must satisfy' '--from-branch'\t'Publish a new contract even though HEAD is not the default branch' '-n'\t'Print the realm commit and the change to .realm/exports.yaml it would make; write nothing' '--dry-run'\t'Print the realm commit and the change to .realm/exports.yaml it would make; write nothing' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--domain' '--value' '--file' '--extract' '--extract-key' '--extract-by-file' '--command' '--timeout' '--key' '--description' '--schema' '--realm' '--color'
        case 'import'
            set __git_realm_opts '--domain'\t'The domain the contract belongs to' '--requires'\t'The versions this repository accepts (a semver requirement, e.g. \'^1.3\' or \'>=1.0.0\')' '--binding'\t'The file in this repository that implements the contract' '--verify'\t'Prove the binding satisfies the contract: REGEX extracts what the binding file (or the --verify-files) provides (group `value`, else every group), and every value of the items this repository uses (all items when it declares no uses) must be among it, type included (a number as that number, a boolean as true/false)' '--verify-files'\t'The files --verify reads instead of the binding file: gitignore-style patterns separated by spaces (`!pattern` excludes); repeatable' '--uses'\t'An item of the contract this repository uses: a key path (`limits.max`) or a set element (`read: jobs/*`, or `--port` in a list at the root); repeatable. A new version breaks this repository only when it removes or changes one' '--uses-extract'\t'Find the items this repository uses in its committed code: every match of REGEX in the files matching GLOB; recomputed at every check and sync; repeatable' '-n'\t'Print the realm commit it would make; write nothing' '--dry-run'\t'Print the realm commit it would make; write nothing' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--domain' '--requires' '--binding' '--verify' '--verify-files' '--uses' '--uses-extract' '--realm' '--color'
        case 'check'
            set __git_realm_opts '--fetch'\t'Fetch the realm first (otherwise the local copy is used)' '--exports'\t'Check only exports' '--imports'\t'Check only imports' '--format'\t'Output: text, json (as --json), or github (workflow annotations, and a markdown summary in $GITHUB_STEP_SUMMARY when it is set)' '--against'\t'Judge this commit as a pull request into REV (a branch, origin/main, or the base commit a CI provides, fetched from origin when a shallow clone lacks it): exit 0 when no consumer breaks, 1 when one would, 3 when the realm\'s policy refuses the change' '--branch'\t'The branch checked, for a coordinated change: its merge order, and its providers\' values on that branch (default: the current branch, else $GITHUB_HEAD_REF or $CI_MERGE_REQUEST_SOURCE_BRANCH_NAME)' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--format' '--against' '--branch' '--realm' '--color'
        case 'sync'
            set __git_realm_opts '--dry-run'\t'Print what would happen; write nothing anywhere (uses the local realm copy)' '--no-notify'\t'Do not open issues for consumers now (they stay pending for the next sync); the default with `git config realm.notify false`' '--notify'\t'Open issues for consumers now, even with `git config realm.notify false`' '--force'\t'Publish breaking changes even though current consumers still rely on them, or from a checkout behind the commit the current version came from' '--from-branch'\t'Publish from HEAD even though it is not the default branch (origin/HEAD, else main or master)' '-m'\t'A message for the changelog and the realm commit' '--message'\t'A message for the changelog and the realm commit' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '-m' '--message' '--realm' '--color'
        case 'resolve'
            set __git_realm_opts '-n'\t'Print the realm commit it would make; write nothing (no note either)' '--dry-run'\t'Print the realm commit it would make; write nothing (no note either)' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--realm' '--color'
        case 'status'
            set __git_realm_opts '--fetch'\t'Fetch every realm first (otherwise only local refs are read); a realm that cannot be reached is shown from its local copy, with a warning' '--short'\t'One line per realm' '--exit-code'\t'Exit 1 when something needs attention (for example: not registered)' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--realm' '--color'
        case 'graph'
            set __git_realm_opts '--format'\t'Output format' '--domain'\t'Only this domain' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--format' '--domain' '--realm' '--color'
        case 'worktree'
            set __git_realm_subs 'list'\t'List the changes this repository takes part in, with each repo\'s worktree' 'remove'\t'Remove a change\'s worktrees (its branches are kept)' 'finish'\t'Finish a change: close it in the realm, remove its worktrees, delete its merged branches' 'help'\t'Print this message or the help of the given subcommand(s)'
            set __git_realm_opts '--domain'\t'The participating repos: the members of this domain' '--repos'\t'The participating repos, comma-separated (default: the members of this repo\'s domains)' '--branch'\t'The branch name in every repo (default: <realm.branchPrefix><change>, i.e. feat/<change>)' '--base'\t'Where the new branch starts, in every repo (default: each checkout\'s HEAD)' '--clone'\t'Clone participating repos that are not checked out here, next to this one' '-n'\t'Say what would be recorded, cloned and created in each repo, and create nothing' '--dry-run'\t'Say what would be recorded, cloned and created in each repo, and create nothing' '-j'\t'Work on at most N repos at once (default: `git config realm.jobs`, else 8)' '--jobs'\t'Work on at most N repos at once (default: `git config realm.jobs`, else 8)' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--domain' '--repos' '--branch' '--base' '-j' '--jobs' '--realm' '--color'
        case 'worktree list'
            set __git_realm_opts '-j'\t'Work on at most N repos at once (default: `git config realm.jobs`, else 8)' '--jobs'\t'Work on at most N repos at once (default: `git config realm.jobs`, else 8)' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help' '--help'\t'Print help'
            set __git_realm_vopts '-j' '--jobs' '--realm' '--color'
        case 'worktree remove'
            set __git_realm_opts '--force'\t'Remove even with uncommitted or unpushed work in a worktree' '-n'\t'List what would be removed and what would block it, and remove nothing' '--dry-run'\t'List what would be removed and what would block it, and remove nothing' '-j'\t'Work on at most N repos at once (default: `git config realm.jobs`, else 8)' '--jobs'\t'Work on at most N repos at once (default: `git config realm.jobs`, else 8)' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help' '--help'\t'Print help'
            set __git_realm_vopts '-j' '--jobs' '--realm' '--color'
        case 'worktree finish'
            set __git_realm_opts '--abandon'\t'Close it as abandoned instead of merged' '--force'\t'Remove the worktrees even with uncommitted or unpushed work' '-n'\t'Print the realm commit it would make, and change nothing' '--dry-run'\t'Print the realm commit it would make, and change nothing' '-j'\t'Work on at most N repos at once (default: `git config realm.jobs`, else 8)' '--jobs'\t'Work on at most N repos at once (default: `git config realm.jobs`, else 8)' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help' '--help'\t'Print help'
            set __git_realm_vopts '-j' '--jobs' '--realm' '--color'
        case 'worktree help'
            set __git_realm_subs 'list'\t'List the changes this repository takes part in, with each repo\'s worktree' 'remove'\t'Remove a change\'s worktrees (its branches are kept)' 'finish'\t'Finish a change: close it in the realm, remove its worktrees, delete its merged branches'
        case 'commit'
            set __git_realm_opts '-m'\t'The commit message, for every repo (repeat for more paragraphs; without -m or -F the editor opens)' '--message'\t'The commit message, for every repo (repeat for more paragraphs; without -m or -F the editor opens)' '-F'\t'Take the message from FILE (`-` for standard input)' '--file'\t'Take the message from FILE (`-` for standard input)' '--no-edit'\t'With --amend: keep each commit\'s message instead of asking for one' '--amend'\t'Replace the tip commit of each repo whose tip belongs to this change' '--no-verify'\t'Skip the pre-commit and commit-msg hooks (`git commit --no-verify`; -n is --dry-run here, as in every git-realm command that writes)' '-n'\t'List what each repo would commit, and commit nothing (no hooks run, no editor opens, no note or realm record is written)' '--dry-run'\t'List what each repo would commit, and commit nothing (no hooks run, no editor opens, no note or realm record is written)' '-s'\t'Add a Signed-off-by trailer (`git commit --signoff`)' '--signoff'\t'Add a Signed-off-by trailer (`git commit --signoff`)' '-S'\t'GPG-sign the commits (`git commit --gpg-sign[=KEYID]`)' '--gpg-sign'\t'GPG-sign the commits (`git commit --gpg-sign[=KEYID]`)' '-a'\t'Also commit modified tracked files (like `git commit -a`)' '--all'\t'Also commit modified tracked files (like `git commit -a`)' '--repos'\t'Commit only in these repos of the change, comma-separated' '--change'\t'The change (default: the one whose branch or worktree you are in)' '-j'\t'Work on at most N repos at once (default: `git config realm.jobs`, else 8)' '--jobs'\t'Work on at most N repos at once (default: `git config realm.jobs`, else 8)' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '-m' '--message' '-F' '--file' '-S' '--gpg-sign' '--repos' '--change' '-j' '--jobs' '--realm' '--color'
        case 'push'
            set __git_realm_opts '--repos'\t'Push only these repos of the change, comma-separated' '--force-with-lease'\t'Overwrite the remote branch if it is where we last saw it (after a rebase)' '-n'\t'Print what each repo would push (from the remote-tracking refs); push nothing' '--dry-run'\t'Print what each repo would push (from the remote-tracking refs); push nothing' '--change'\t'The change (default: the one whose branch or worktree you are in)' '-j'\t'Work on at most N repos at once (default: `git config realm.jobs`, else 8)' '--jobs'\t'Work on at most N repos at once (default: `git config realm.jobs`, else 8)' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--repos' '--change' '-j' '--jobs' '--realm' '--color'
        case 'pr'
            set __git_realm_subs 'status'\t'Show every PR\'s state, checks, review decision and mergeability, and whether the merge order is respected' 'help'\t'Print this message or the help of the given subcommand(s)'
            set __git_realm_opts '--title'\t'The title of every PR, new or existing (a new PR\'s default: its branch\'s last commit subject)' '--update-title'\t'Also retitle existing PRs with the default title (without it, their titles are left alone)' '--body'\t'Text before git-realm\'s block in every PR\'s body (on existing PRs it replaces the text outside the block)' '--no-push'\t'Push no branch; warn about each one that is ahead of origin' '--draft'\t'Open the PRs as drafts' '--base'\t'The branch to merge into (default: the change\'s base, else origin\'s default branch)' '-n'\t'Print the pushes and gh commands that would run; run none, write nothing' '--dry-run'\t'Print the pushes and gh commands that would run; run none, write nothing' '--change'\t'The change (default: the one whose branch or worktree you are in)' '-j'\t'Work on at most N repos at once (default: `git config realm.jobs`, else 8)' '--jobs'\t'Work on at most N repos at once (default: `git config realm.jobs`, else 8)' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--title' '--body' '--base' '--change' '-j' '--jobs' '--realm' '--color'
        case 'pr status'
            set __git_realm_opts '--exit-code'\t'Exit 1 when a consumer was merged before its provider (nothing else sets it)' '--change'\t'The change (default: the one whose branch or worktree you are in)' '-j'\t'Work on at most N repos at once (default: `git config realm.jobs`, else 8)' '--jobs'\t'Work on at most N repos at once (default: `git config realm.jobs`, else 8)' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')'
            set __git_realm_vopts '--change' '-j' '--jobs' '--realm' '--color'
        case 'pr help'
            set __git_realm_subs 'status'\t'Show every PR\'s state, checks, review decision and mergeability, and whether the merge order is respected'
        case 'watch'
            set __git_realm_opts '--interval'\t'Time between polls: a number with a unit, ms, s, m or h (e.g. 500ms, 30s, 2m)' '--once'\t'Poll once, print what changed, and exit (0: nothing for this repo, 1: something)' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--interval' '--realm' '--color'
        case 'list'
            set __git_realm_opts '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--realm' '--color'
        case 'ci'
            set __git_realm_subs 'init'\t'Write the workflow file (GitHub Actions or GitLab CI)' 'help'\t'Print this message or the help of the given subcommand(s)'
            set __git_realm_opts '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--realm' '--color'
        case 'ci init'
            set __git_realm_opts '--github'\t'A GitHub Actions workflow under .github/workflows/' '--gitlab'\t'A GitLab CI file under .gitlab/, to include from .gitlab-ci.yml' '--sync-on-merge'\t'Also publish with `git realm sync` after a merge to the default branch' '--verify'\t'Also run `git realm verify` in the gate (the realm\'s files and history against its trust level)' '--install'\t'The command that installs git-realm on the CI runner' '--force'\t'Overwrite an existing workflow file' '-n'\t'Print what would be written; write nothing' '--dry-run'\t'Print what would be written; write nothing' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help' '--help'\t'Print help'
            set __git_realm_vopts '--install' '--realm' '--color'
        case 'ci help'
            set __git_realm_subs 'init'\t'Write the workflow file (GitHub Actions or GitLab CI)'
        case 'verify'
            set __git_realm_opts '--all'\t'The whole history (the default)' '--fetch'\t'Fetch the realm first, and verify what it holds (even if it is refused)' '--pre-receive'\t'Act as git\'s pre-receive hook: read `OLD NEW REF` lines on stdin' '--realm'\t'Act on this realm only (default: every realm this repository belongs to)' '--json'\t'Print one JSON document on stdout instead of text' '--color'\t'When to colour the output (also honours NO_COLOR, CLICOLOR_FORCE and git\'s color.realm and color.ui)' '-q'\t'Print only errors' '--quiet'\t'Print only errors' '-v'\t'Explain what is happening on stderr (retries, git commands)' '--verbose'\t'Explain what is happening on stderr (retries, git commands)' '-h'\t'Print help (see more with \'--help\')' '--help'\t'Print help (see more with \'--help\')' '-V'\t'Print version' '--version'\t'Print version'
            set __git_realm_vopts '--realm' '--color'
        case 'help'
            set __git_realm_subs 'init'\t'Create a realm: a bare git repository whose main branch holds the shared state' 'join'\t'Register this repository in a realm' 'leave'\t'Unregister this repository from its realm(s)' 'maintainer'\t'Add or remove this repository\'s maintainers and their signing keys' 'domain'\t'Create and inspect domains: coordination contexts between repositories' 'remove'\t'Remove an import, an export, a domain, or abandon a change' 'export'\t'Declare or update a contract this repository provides' 'import'\t'Declare that this repository consumes a contract' 'check'\t'Check exports and imports against the realm (exit 1 when something needs attention)' 'sync'\t'Publish changed exports, resolve imports, notify consumers' 'resolve'\t'Acknowledge a stale import without changing files' 'status'\t'Show this repository\'s realms, registration and domains' 'graph'\t'Show the dependency graph between repositories' 'worktree'\t'Start a coordinated change: one branch, a worktree in every participating repo' 'commit'\t'Commit in every worktree of the current change, and link the commits' 'push'\t'Push the change\'s branch and refs/notes/realm in every participating repo' 'pr'\t'Open linked pull requests for a change, in merge order' 'watch'\t'Watch the realm and tell what changes for this repository' 'list'\t'List the realms this user knows, with their local member checkouts' 'ci'\t'Set up continuous integration for this repository\'s realms' 'verify'\t'Check the realm\'s files and commits against its trust level'
        case 'help maintainer'
            set __git_realm_subs 'list'\t'List the maintainers and their keys (the default)' 'add'\t'Add a maintainer, or a key of one' 'remove'\t'Remove a maintainer (with their keys), or only one key with --key'
        case 'help domain'
            set __git_realm_subs 'create'\t'Create a domain between registered repositories' 'add'\t'Add a registered repository to a domain' 'list'\t'List the realm\'s domains' 'show'\t'Show a domain: members, contracts, exports and imports'
        case 'help remove'
            set __git_realm_subs 'import'\t'Stop importing a contract (this repository\'s binding forgets it)' 'export'\t'Stop providing a contract: the declaration and the published contract go' 'domain'\t'Remove a domain (refused while it holds contracts or bindings)' 'change'\t'Abandon a change: it is closed in the realm and no longer listed as open'
        case 'help worktree'
            set __git_realm_subs 'list'\t'List the changes this repository takes part in, with each repo\'s worktree' 'remove'\t'Remove a change\'s worktrees (its branches are kept)' 'finish'\t'Finish a change: close it in the realm, remove its worktrees, delete its merged branches'
        case 'help pr'
            set __git_realm_subs 'status'\t'Show every PR\'s state, checks, review decision and mergeability, and whether the merge order is respected'
        case 'help ci'
            set __git_realm_subs 'init'\t'Write the workflow file (GitHub Actions or GitLab CI)'
    end
end

# __git_realm_value PATH OPTION|#N PREFIX CUR: print the candidate values of
# the option (or of the N-th positional argument) of PATH, each after PREFIX.
function __git_realm_value -a cmdpath key prefix cur
    switch "$cmdpath|$key"
        case 'init|--admission'
            printf '%s\n' $prefix'open'\t'Any repo may join by pushing its registration' $prefix'approval'\t'Joining pushes a proposal branch that an approver merges' $prefix'invite-only'\t'Like approval; the realm does not advertise itself as open'
        case 'init|--trust'
            printf '%s\n' $prefix'open'\t'Anyone who can push to the realm may change anything' $prefix'owners'\t'Each realm commit is authored by a maintainer of every file it changes' $prefix'signed'\t'Like owners, and every commit is signed by a key recorded for its author'
        case 'init|--realm' \
            'join|--realm' \
            'leave|--realm' \
            'maintainer|--realm' \
            'maintainer list|--realm' \
            'maintainer add|--realm' \
            'maintainer remove|--realm' \
            'domain|--realm' \
            'domain create|--realm' \
            'domain add|--realm' \
            'domain list|--realm' \
            'domain show|--realm' \
            'remove|--realm' \
            'remove import|--realm' \
            'remove export|--realm' \
            'remove domain|--realm' \
            'remove change|--realm' \
            'export|--realm' \
            'import|--realm' \
            'check|--realm' \
            'sync|--realm' \
            'resolve|--realm' \
            'status|--realm' \
            'graph|--realm' \
            'worktree|--realm' \
            'worktree list|--realm' \
            'worktree remove|--realm' \
            'worktree finish|--realm' \
            'commit|--realm' \
            'push|--realm' \
            'pr|--realm' \
            'pr status|--realm' \
            'watch|--realm' \
            'list|--realm' \
            'ci|--realm' \
            'ci init|--realm' \
            'verify|--realm'
            __git_realm_realms $prefix
        case 'init|--color' \
            'join|--color' \
            'leave|--color' \
            'maintainer|--color' \
            'maintainer list|--color' \
            'maintainer add|--color' \
            'maintainer remove|--color' \
            'domain|--color' \
            'domain create|--color' \
            'domain add|--color' \
            'domain list|--color' \
            'domain show|--color' \
            'remove|--color' \
            'remove import|--color' \
            'remove export|--color' \
            'remove domain|--color' \
            'remove change|--color' \
            'export|--color' \
            'import|--color' \
            'check|--color' \
            'sync|--color' \
            'resolve|--color' \
            'status|--color' \
            'graph|--color' \
            'worktree|--color' \
            'worktree list|--color' \
            'worktree remove|--color' \
            'worktree finish|--color' \
            'commit|--color' \
            'push|--color' \
            'pr|--color' \
            'pr status|--color' \
            'watch|--color' \
            'list|--color' \
            'ci|--color' \
            'ci init|--color' \
            'verify|--color'
            printf '%s\n' $prefix'auto' $prefix'always' $prefix'never'
        case 'init|#0'
            for f in (__fish_complete_directories $cur)
                printf '%s%s\n' $prefix $f
            end
        case 'domain add|#0' \
            'domain show|#0' \
            'remove import|--domain' \
            'remove export|--domain' \
            'remove domain|#0' \
            'export|--domain' \
            'import|--domain' \
            'graph|--domain' \
            'worktree|--domain'
            __git_realm_names domains $prefix
        case 'remove change|#0' \
            'worktree|#0' \
            'worktree remove|#0' \
            'worktree finish|#0' \
            'commit|--change' \
            'push|--change' \
            'pr|--change' \
            'pr status|--change'
            __git_realm_names changes $prefix
        case 'export|--file' \
            'export|--schema' \
            'import|--binding' \
            'commit|-F' \
            'commit|--file'
            for f in (__fish_complete_path $cur)
                printf '%s%s\n' $prefix $f
            end
        case 'check|--format'
            printf '%s\n' $prefix'text' $prefix'json' $prefix'github'
        case 'graph|--format'
            printf '%s\n' $prefix'text' $prefix'mermaid' $prefix'dot'
    end
end

# The names under DIR (domains, changes) in the local copies of the realms
# (refs/realm/<realm>/main), after PREFIX.
function __git_realm_names -a dir prefix
    for ref in (git for-each-ref --format='%(refname)' 'refs/realm/*/main' 2>/dev/null)
        for name in (git ls-tree --name-only $ref $dir/ 2>/dev/null)
            printf '%s%s\n' "$prefix" (string replace -r '\.yaml$' '' -- (string replace -- "$dir/" '' $name))
        end
    end
end

# The realms configured in the current repository (realm.<name>.url), after PREFIX.
function __git_realm_realms -a prefix
    for line in (git config --get-regexp '^realm\..*\.url$' 2>/dev/null)
        set -l key (string split -m1 ' ' -- $line)[1]
        printf '%s%s\n' "$prefix" (string replace -r '^realm\.(.*)\.url$' '$1' -- $key)
    end
end

# The words after `realm` in `git [options] realm ...`; fails for any other git command.
function __git_realm_git_args
    set -l tokens (commandline -opc)
    set -l i 2
    while test $i -le (count $tokens)
        switch $tokens[$i]
            case -C -c --git-dir --work-tree --namespace --config-env
                set i (math $i + 2)
            case '-*'
                set i (math $i + 1)
            case realm
                set i (math $i + 1)
                while test $i -le (count $tokens)
                    printf '%s\n' $tokens[$i]
                    set i (math $i + 1)
                end
                return 0
            case '*'
                return 1
        end
    end
    return 1
end

function __git_realm_using_realm
    __git_realm_git_args >/dev/null
end

function __git_realm_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmdpath ''
    set -l cmd (string replace -r '.*/' '' -- $tokens[1])
    set -l args
    if test "$cmd" = git
        set args (__git_realm_git_args); or return
    else
        set -e tokens[1]
        set args $tokens
        if string match -qr '^git-realm-.' -- $cmd
            set cmdpath (string replace git-realm- '' -- $cmd)
        end
    end
    __git_realm_node $cmdpath
    set -l expect ''
    set -l dashdash ''
    set -l npos 0
    for w in $args
        if test -n "$expect"
            set expect ''
            continue
        end
        if test -z "$dashdash"
            switch $w
                case --
                    set dashdash 1
                    continue
                case '--*=*'
                    continue
                case '-*'
                    if test "$w" != -
                        contains -- $w $__git_realm_vopts; and set expect $w
                        continue
                    end
            end
        end
        if test $npos -eq 0 -a -z "$dashdash"; and contains -- $w (string replace -r '\t.*' '' -- $__git_realm_subs)
            set cmdpath (string trim -- "$cmdpath $w")
            __git_realm_node $cmdpath
            continue
        end
        set npos (math $npos + 1)
    end
    if test -n "$expect"
        __git_realm_value $cmdpath $expect '' $cur
    else if test -z "$dashdash"; and string match -q -- '--*=*' $cur
        set -l opt (string replace -r '=.*' '' -- $cur)
        __git_realm_value $cmdpath $opt "$opt=" (string replace -r '^[^=]*=' '' -- $cur)
    else if test -z "$dashdash"; and string match -q -- '-*' $cur
        printf '%s\n' $__git_realm_opts
    else if test $npos -eq 0; and set -q __git_realm_subs[1]
        printf '%s\n' $__git_realm_subs
    else
        __git_realm_value $cmdpath "#$npos" '' $cur
    end
end

complete -c git-realm -f -a '(__git_realm_complete)'
complete -c git-realm-init -f -a '(__git_realm_complete)'
complete -c git-realm-join -f -a '(__git_realm_complete)'
complete -c git-realm-leave -f -a '(__git_realm_complete)'
complete -c git-realm-maintainer -f -a '(__git_realm_complete)'
complete -c git-realm-domain -f -a '(__git_realm_complete)'
complete -c git-realm-remove -f -a '(__git_realm_complete)'
complete -c git-realm-export -f -a '(__git_realm_complete)'
complete -c git-realm-import -f -a '(__git_realm_complete)'
complete -c git-realm-check -f -a '(__git_realm_complete)'
complete -c git-realm-sync -f -a '(__git_realm_complete)'
complete -c git-realm-resolve -f -a '(__git_realm_complete)'
complete -c git-realm-status -f -a '(__git_realm_complete)'
complete -c git-realm-graph -f -a '(__git_realm_complete)'
complete -c git-realm-worktree -f -a '(__git_realm_complete)'
complete -c git-realm-commit -f -a '(__git_realm_complete)'
complete -c git-realm-push -f -a '(__git_realm_complete)'
complete -c git-realm-pr -f -a '(__git_realm_complete)'
complete -c git-realm-watch -f -a '(__git_realm_complete)'
complete -c git-realm-list -f -a '(__git_realm_complete)'
complete -c git-realm-ci -f -a '(__git_realm_complete)'
complete -c git-realm-verify -f -a '(__git_realm_complete)'
complete -c git -f -n __git_realm_using_realm -a '(__git_realm_complete)'
