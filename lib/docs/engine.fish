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
