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
