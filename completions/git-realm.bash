# bash completion for git-realm: `git realm ...`, `git-realm ...` and
# `git-realm-<command> ...`. `--realm` completes the realms of the current
# repository (git config realm.<name>.url).
#
# Generated from the clap definitions of git-realm 0.1.0: do not edit.
# Regenerate with `UPDATE_DOCS=1 cargo test --test docs`.

# __git_realm_node PATH: the subcommands, options and options taking a value
# of the command PATH ("" for git-realm itself, "join", ...).
__git_realm_node ()
{
	case "$1" in
	'')
		__git_realm_subs='init join leave maintainer domain remove export import check sync resolve status graph worktree commit push pr watch list ci verify help'
		__git_realm_opts='-h --help -V --version'
		__git_realm_vopts='' ;;
	'init')
		__git_realm_subs=''
		__git_realm_opts='--name --bare --admission --approver --require-approval --trust --hooks --github --install --grace-days -n --dry-run --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--name --admission --approver --trust --install --grace-days --realm --color' ;;
	'join')
		__git_realm_subs=''
		__git_realm_opts='--as --maintainer --url -n --dry-run --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--as --maintainer --url --realm --color' ;;
	'leave')
		__git_realm_subs=''
		__git_realm_opts='--force -n --dry-run --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--realm --color' ;;
	'maintainer')
		__git_realm_subs='list add remove help'
		__git_realm_opts='--realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--realm --color' ;;
	'maintainer list')
		__git_realm_subs=''
		__git_realm_opts='--realm --json --color -q --quiet -v --verbose -h --help'
		__git_realm_vopts='--realm --color' ;;
	'maintainer add')
		__git_realm_subs=''
		__git_realm_opts='--key --my-key -n --dry-run --realm --json --color -q --quiet -v --verbose -h --help'
		__git_realm_vopts='--key --realm --color' ;;
	'maintainer remove')
		__git_realm_subs=''
		__git_realm_opts='--key -n --dry-run --realm --json --color -q --quiet -v --verbose -h --help'
		__git_realm_vopts='--key --realm --color' ;;
	'maintainer help')
		__git_realm_subs='list add remove'
		__git_realm_opts=''
		__git_realm_vopts='' ;;
	'domain')
		__git_realm_subs='create add list show help'
		__git_realm_opts='--realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--realm --color' ;;
	'domain create')
		__git_realm_subs=''
		__git_realm_opts='--repos --description -n --dry-run --realm --json --color -q --quiet -v --verbose -h --help'
		__git_realm_vopts='--repos --description --realm --color' ;;
	'domain add')
		__git_realm_subs=''
		__git_realm_opts='-n --dry-run --realm --json --color -q --quiet -v --verbose -h --help'
		__git_realm_vopts='--realm --color' ;;
	'domain list')
		__git_realm_subs=''
		__git_realm_opts='--realm --json --color -q --quiet -v --verbose -h --help'
		__git_realm_vopts='--realm --color' ;;
	'domain show')
		__git_realm_subs=''
		__git_realm_opts='--realm --json --color -q --quiet -v --verbose -h --help'
		__git_realm_vopts='--realm --color' ;;
	'domain help')
		__git_realm_subs='create add list show'
		__git_realm_opts=''
		__git_realm_vopts='' ;;
	'remove')
		__git_realm_subs='import export domain change help'
		__git_realm_opts='-n --dry-run --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--realm --color' ;;
	'remove import')
		__git_realm_subs=''
		__git_realm_opts='--domain -n --dry-run --realm --json --color -q --quiet -v --verbose -h --help'
		__git_realm_vopts='--domain --realm --color' ;;
	'remove export')
		__git_realm_subs=''
		__git_realm_opts='--domain --force -n --dry-run --realm --json --color -q --quiet -v --verbose -h --help'
		__git_realm_vopts='--domain --realm --color' ;;
	'remove domain')
		__git_realm_subs=''
		__git_realm_opts='--force -n --dry-run --realm --json --color -q --quiet -v --verbose -h --help'
		__git_realm_vopts='--realm --color' ;;
	'remove change')
		__git_realm_subs=''
		__git_realm_opts='-n --dry-run --realm --json --color -q --quiet -v --verbose -h --help'
		__git_realm_vopts='--realm --color' ;;
	'remove help')
		__git_realm_subs='import export domain change'
		__git_realm_opts=''
		__git_realm_vopts='' ;;
	'export')
		__git_realm_subs=''
		__git_realm_opts='--domain --value --file --extract --extract-key --extract-by-file --command --timeout --key --description --schema --from-branch -n --dry-run --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--domain --value --file --extract --extract-key --extract-by-file --command --timeout --key --description --schema --realm --color' ;;
	'import')
		__git_realm_subs=''
		__git_realm_opts='--domain --requires --binding --verify --verify-files --uses --uses-extract -n --dry-run --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--domain --requires --binding --verify --verify-files --uses --uses-extract --realm --color' ;;
	'check')
		__git_realm_subs=''
		__git_realm_opts='--fetch --exports --imports --format --against --branch --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--format --against --branch --realm --color' ;;
	'sync')
		__git_realm_subs=''
		__git_realm_opts='--dry-run --no-notify --notify --force --from-branch -m --message --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='-m --message --realm --color' ;;
	'resolve')
		__git_realm_subs=''
		__git_realm_opts='-n --dry-run --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--realm --color' ;;
	'status')
		__git_realm_subs=''
		__git_realm_opts='--fetch --short --exit-code --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--realm --color' ;;
	'graph')
		__git_realm_subs=''
		__git_realm_opts='--format --domain --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--format --domain --realm --color' ;;
	'worktree')
		__git_realm_subs='list remove finish help'
		__git_realm_opts='--domain --repos --branch --base --clone -n --dry-run -j --jobs --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--domain --repos --branch --base -j --jobs --realm --color' ;;
	'worktree list')
		__git_realm_subs=''
		__git_realm_opts='-j --jobs --realm --json --color -q --quiet -v --verbose -h --help'
		__git_realm_vopts='-j --jobs --realm --color' ;;
	'worktree remove')
		__git_realm_subs=''
		__git_realm_opts='--force -n --dry-run -j --jobs --realm --json --color -q --quiet -v --verbose -h --help'
		__git_realm_vopts='-j --jobs --realm --color' ;;
	'worktree finish')
		__git_realm_subs=''
		__git_realm_opts='--abandon --force -n --dry-run -j --jobs --realm --json --color -q --quiet -v --verbose -h --help'
		__git_realm_vopts='-j --jobs --realm --color' ;;
	'worktree help')
		__git_realm_subs='list remove finish'
		__git_realm_opts=''
		__git_realm_vopts='' ;;
	'commit')
		__git_realm_subs=''
		__git_realm_opts='-m --message -F --file --no-edit --amend --no-verify -n --dry-run -s --signoff -S --gpg-sign -a --all --repos --change -j --jobs --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='-m --message -F --file -S --gpg-sign --repos --change -j --jobs --realm --color' ;;
	'push')
		__git_realm_subs=''
		__git_realm_opts='--repos --force-with-lease -n --dry-run --change -j --jobs --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--repos --change -j --jobs --realm --color' ;;
	'pr')
		__git_realm_subs='status help'
		__git_realm_opts='--title --update-title --body --no-push --draft --base -n --dry-run --change -j --jobs --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--title --body --base --change -j --jobs --realm --color' ;;
	'pr status')
		__git_realm_subs=''
		__git_realm_opts='--exit-code --change -j --jobs --realm --json --color -q --quiet -v --verbose -h --help'
		__git_realm_vopts='--change -j --jobs --realm --color' ;;
	'pr help')
		__git_realm_subs='status'
		__git_realm_opts=''
		__git_realm_vopts='' ;;
	'watch')
		__git_realm_subs=''
		__git_realm_opts='--interval --once --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--interval --realm --color' ;;
	'list')
		__git_realm_subs=''
		__git_realm_opts='--realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--realm --color' ;;
	'ci')
		__git_realm_subs='init help'
		__git_realm_opts='--realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--realm --color' ;;
	'ci init')
		__git_realm_subs=''
		__git_realm_opts='--github --gitlab --sync-on-merge --verify --install --force -n --dry-run --realm --json --color -q --quiet -v --verbose -h --help'
		__git_realm_vopts='--install --realm --color' ;;
	'ci help')
		__git_realm_subs='init'
		__git_realm_opts=''
		__git_realm_vopts='' ;;
	'verify')
		__git_realm_subs=''
		__git_realm_opts='--all --fetch --pre-receive --realm --json --color -q --quiet -v --verbose -h --help -V --version'
		__git_realm_vopts='--realm --color' ;;
	'help')
		__git_realm_subs='init join leave maintainer domain remove export import check sync resolve status graph worktree commit push pr watch list ci verify'
		__git_realm_opts=''
		__git_realm_vopts='' ;;
	'help maintainer')
		__git_realm_subs='list add remove'
		__git_realm_opts=''
		__git_realm_vopts='' ;;
	'help domain')
		__git_realm_subs='create add list show'
		__git_realm_opts=''
		__git_realm_vopts='' ;;
	'help remove')
		__git_realm_subs='import export domain change'
		__git_realm_opts=''
		__git_realm_vopts='' ;;
	'help worktree')
		__git_realm_subs='list remove finish'
		__git_realm_opts=''
		__git_realm_vopts='' ;;
	'help pr')
		__git_realm_subs='status'
		__git_realm_opts=''
		__git_realm_vopts='' ;;
	'help ci')
		__git_realm_subs='init'
		__git_realm_opts=''
		__git_realm_vopts='' ;;
	*)
		__git_realm_subs= __git_realm_opts= __git_realm_vopts= ;;
	esac
}

# __git_realm_value PATH OPTION|#N: what the option (or the N-th positional
# argument) of PATH takes; sets __git_realm_kind and __git_realm_words.
__git_realm_value ()
{
	__git_realm_words=
	case "$1|$2" in
	'init|--admission')
		__git_realm_kind=words __git_realm_words='open approval invite-only' ;;
	'init|--trust')
		__git_realm_kind=words __git_realm_words='open owners signed' ;;
	'init|--realm'|\
	'join|--realm'|\
	'leave|--realm'|\
	'maintainer|--realm'|\
	'maintainer list|--realm'|\
	'maintainer add|--realm'|\
	'maintainer remove|--realm'|\
	'domain|--realm'|\
	'domain create|--realm'|\
	'domain add|--realm'|\
	'domain list|--realm'|\
	'domain show|--realm'|\
	'remove|--realm'|\
	'remove import|--realm'|\
	'remove export|--realm'|\
	'remove domain|--realm'|\
	'remove change|--realm'|\
	'export|--realm'|\
	'import|--realm'|\
	'check|--realm'|\
	'sync|--realm'|\
	'resolve|--realm'|\
	'status|--realm'|\
	'graph|--realm'|\
	'worktree|--realm'|\
	'worktree list|--realm'|\
	'worktree remove|--realm'|\
	'worktree finish|--realm'|\
	'commit|--realm'|\
	'push|--realm'|\
	'pr|--realm'|\
	'pr status|--realm'|\
	'watch|--realm'|\
	'list|--realm'|\
	'ci|--realm'|\
	'ci init|--realm'|\
	'verify|--realm')
		__git_realm_kind=realm ;;
	'init|--color'|\
	'join|--color'|\
	'leave|--color'|\
	'maintainer|--color'|\
	'maintainer list|--color'|\
	'maintainer add|--color'|\
	'maintainer remove|--color'|\
	'domain|--color'|\
	'domain create|--color'|\
	'domain add|--color'|\
	'domain list|--color'|\
	'domain show|--color'|\
	'remove|--color'|\
	'remove import|--color'|\
	'remove export|--color'|\
	'remove domain|--color'|\
	'remove change|--color'|\
	'export|--color'|\
	'import|--color'|\
	'check|--color'|\
	'sync|--color'|\
	'resolve|--color'|\
	'status|--color'|\
	'graph|--color'|\
	'worktree|--color'|\
	'worktree list|--color'|\
	'worktree remove|--color'|\
	'worktree finish|--color'|\
	'commit|--color'|\
	'push|--color'|\
	'pr|--color'|\
	'pr status|--color'|\
	'watch|--color'|\
	'list|--color'|\
	'ci|--color'|\
	'ci init|--color'|\
	'verify|--color')
		__git_realm_kind=words __git_realm_words='auto always never' ;;
	'init|#0')
		__git_realm_kind=dirs ;;
	'domain add|#0'|\
	'domain show|#0'|\
	'remove import|--domain'|\
	'remove export|--domain'|\
	'remove domain|#0'|\
	'export|--domain'|\
	'import|--domain'|\
	'graph|--domain'|\
	'worktree|--domain')
		__git_realm_kind=domain ;;
	'remove change|#0'|\
	'worktree|#0'|\
	'worktree remove|#0'|\
	'worktree finish|#0'|\
	'commit|--change'|\
	'push|--change'|\
	'pr|--change'|\
	'pr status|--change')
		__git_realm_kind=change ;;
	'export|--file'|\
	'export|--schema'|\
	'import|--binding'|\
	'commit|-F'|\
	'commit|--file')
		__git_realm_kind=files ;;
	'check|--format')
		__git_realm_kind=words __git_realm_words='text json github' ;;
	'graph|--format')
		__git_realm_kind=words __git_realm_words='text mermaid dot' ;;
	*)
		case "$1|$2" in
		*) __git_realm_kind=none ;;
		esac ;;
	esac
}

# The names under DIR (domains, changes) in the local copies of the realms
# (refs/realm/<realm>/main): offline, and cheap.
__git_realm_names ()
{
	local ref
	for ref in $(git for-each-ref --format='%(refname)' 'refs/realm/*/main' 2>/dev/null); do
		git ls-tree --name-only "$ref" "$1/" 2>/dev/null
	done | sed -e "s|^$1/||" -e 's|\.yaml$||' | sort -u
}

# The realms configured in the current repository (realm.<name>.url).
__git_realm_realms ()
{
	local key _
	if declare -F __git >/dev/null; then
		__git config --get-regexp '^realm\..*\.url$'
	else
		git config --get-regexp '^realm\..*\.url$' 2>/dev/null
	fi | while read -r key _; do
		key=${key#realm.}
		printf '%s\n' "${key%.url}"
	done
}

# __git_realm_complete PATH CUR WORD...: what to offer for CUR, after the WORDs
# typed after the command PATH. Sets __git_realm_kind (words, realm, files, dirs
# or none), __git_realm_words, and __git_realm_cur (the part of CUR to complete).
__git_realm_complete ()
{
	local cmdpath=$1 cur=$2 w expect= dashdash= npos=0
	shift 2
	__git_realm_node "$cmdpath"
	for w; do
		if [[ -n $expect ]]; then
			expect=
			continue
		fi
		if [[ -z $dashdash ]]; then
			case "$w" in
			--) dashdash=1; continue ;;
			--*=*) continue ;;
			-?*)
				[[ " $__git_realm_vopts " == *" $w "* ]] && expect=$w
				continue ;;
			esac
		fi
		if (( npos == 0 )) && [[ -z $dashdash && " $__git_realm_subs " == *" $w "* ]]; then
			cmdpath=${cmdpath:+$cmdpath }$w
			__git_realm_node "$cmdpath"
			continue
		fi
		npos=$((npos + 1))
	done
	__git_realm_cur=$cur
	if [[ -n $expect ]]; then
		__git_realm_value "$cmdpath" "$expect"
	elif [[ -z $dashdash && $cur == --*=* ]]; then
		__git_realm_cur=${cur#*=}
		__git_realm_value "$cmdpath" "${cur%%=*}"
	elif [[ -z $dashdash && $cur == -* ]]; then
		__git_realm_kind=words __git_realm_words=$__git_realm_opts
	elif (( npos == 0 )) && [[ -n $__git_realm_subs ]]; then
		__git_realm_kind=words __git_realm_words=$__git_realm_subs
	else
		__git_realm_value "$cmdpath" "#$npos"
	fi
}

# `git realm ...`: git's completion calls _git_realm, with words, cword and cur set.
_git_realm ()
{
	local i=${__git_cmd_idx:-0}
	if (( i == 0 )); then
		for (( i = 1; i < cword; i++ )); do
			[[ ${words[i]} == realm ]] && break
		done
	fi
	__git_realm_complete "" "$cur" "${words[@]:i+1:cword-i-1}"
	case $__git_realm_kind in
	words) __gitcomp "$__git_realm_words" "" "$__git_realm_cur" ;;
	realm) __gitcomp_nl "$(__git_realm_realms)" "" "$__git_realm_cur" ;;
	domain) __gitcomp_nl "$(__git_realm_names domains)" "" "$__git_realm_cur" ;;
	change) __gitcomp_nl "$(__git_realm_names changes)" "" "$__git_realm_cur" ;;
	dirs) compopt -o dirnames 2>/dev/null ;;
	esac
}

# `git-realm ...` and `git-realm-<command> ...`.
_git_realm_main ()
{
	local cur words cword prev
	if declare -F _get_comp_words_by_ref >/dev/null; then
		_get_comp_words_by_ref -n =: cur words cword prev
	else
		words=("${COMP_WORDS[@]}") cword=$COMP_CWORD cur=${COMP_WORDS[COMP_CWORD]}
	fi
	local cmdpath= cmd=${words[0]##*/}
	[[ $cmd == git-realm-?* ]] && cmdpath=${cmd#git-realm-}
	__git_realm_complete "$cmdpath" "$cur" "${words[@]:1:cword-1}"
	COMPREPLY=()
	case $__git_realm_kind in
	words) COMPREPLY=($(compgen -W "$__git_realm_words" -- "$__git_realm_cur")) ;;
	realm) COMPREPLY=($(compgen -W "$(__git_realm_realms)" -- "$__git_realm_cur")) ;;
	domain) COMPREPLY=($(compgen -W "$(__git_realm_names domains)" -- "$__git_realm_cur")) ;;
	change) COMPREPLY=($(compgen -W "$(__git_realm_names changes)" -- "$__git_realm_cur")) ;;
	dirs) compopt -o dirnames 2>/dev/null ;;
	esac
}

complete -o bashdefault -o default -F _git_realm_main git-realm git-realm-init git-realm-join git-realm-leave git-realm-maintainer git-realm-domain git-realm-remove git-realm-export git-realm-import git-realm-check git-realm-sync git-realm-resolve git-realm-status git-realm-graph git-realm-worktree git-realm-commit git-realm-push git-realm-pr git-realm-watch git-realm-list git-realm-ci git-realm-verify 2>/dev/null ||
	complete -o default -F _git_realm_main git-realm git-realm-init git-realm-join git-realm-leave git-realm-maintainer git-realm-domain git-realm-remove git-realm-export git-realm-import git-realm-check git-realm-sync git-realm-resolve git-realm-status git-realm-graph git-realm-worktree git-realm-commit git-realm-push git-realm-pr git-realm-watch git-realm-list git-realm-ci git-realm-verify
