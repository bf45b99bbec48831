# The names under DIR (domains, changes) in the local copies of the realms
# (refs/realm/<realm>/main), described as WHAT.
__git_realm_names () {
  local dir=$1 what=$2 ref
  local -a names
  for ref in ${(f)"$(_call_program refs git for-each-ref --format='%\(refname\)' "'refs/realm/*/main'" 2>/dev/null)"}; do
    names+=(${${${(f)"$(_call_program names git ls-tree --name-only $ref $dir/ 2>/dev/null)"}#$dir/}%.yaml})
  done
  _describe -t ${what}s $what names
}

# The realms configured in the current repository (realm.<name>.url).
__git_realm_realms () {
  local expl
  local -a realms
  realms=(${${(f)"$(_call_program realms git config --get-regexp "'^realm\..*\.url$'" 2>/dev/null)"}%% *})
  realms=(${${realms#realm.}%.url})
  _wanted realms expl realm compadd -a realms
}

_git-realm () {
  local cmdpath= cur=$words[CURRENT] w expect= dashdash=
  integer npos=0
  local -a __git_realm_subs __git_realm_opts __git_realm_vopts names
  [[ ${words[1]:t} == git-realm-?* ]] && cmdpath=${${words[1]:t}#git-realm-}
  __git_realm_node "$cmdpath"
  for w in "${(@)words[2,CURRENT-1]}"; do
    if [[ -n $expect ]]; then
      expect=
      continue
    fi
    if [[ -z $dashdash ]]; then
      case $w in
        (--) dashdash=1; continue ;;
        (--*=*) continue ;;
        (-?*)
          (( ${__git_realm_vopts[(Ie)$w]} )) && expect=$w
          continue ;;
      esac
    fi
    names=(${__git_realm_subs%%:*})
    if (( npos == 0 )) && [[ -z $dashdash ]] && (( ${names[(Ie)$w]} )); then
      cmdpath=${cmdpath:+$cmdpath }$w
      __git_realm_node "$cmdpath"
      continue
    fi
    (( npos++ ))
  done
  if [[ -n $expect ]]; then
    __git_realm_value "$cmdpath" "$expect"
  elif [[ -z $dashdash && $cur == --*=* ]]; then
    compset -P '*='
    __git_realm_value "$cmdpath" "${cur%%=*}"
  elif [[ -z $dashdash && $cur == -* ]]; then
    _describe -t options option __git_realm_opts
  elif (( npos == 0 && $#__git_realm_subs )); then
    _describe -t commands 'git realm command' __git_realm_subs
  else
    __git_realm_value "$cmdpath" "#$npos"
  fi
}
