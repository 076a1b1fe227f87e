# Completes a command line in a real interactive zsh (under zpty) and prints each match.
# usage: zsh -f zshComplete.zsh DIR_WITH__oxps "command line"
# compadd is wrapped to print what the completion functions add (with the ignored prefix, e.g.
# "--keystore="); a comppostfuncs hook ends the shell once completion is done.
zmodload zsh/zpty
() {
  local line
  zpty z zsh -f -i
  zpty -w z "PROMPT= ; RPROMPT= ; unsetopt zle_bracketed_paste"
  zpty -w z "fpath=('$1' \$fpath); autoload -U compinit; compinit -u -D"
  zpty -w z "zstyle ':completion:*' list-grouped false; zstyle ':completion:*' insert-tab false"
  zpty -w z 'compadd () { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi; typeset -a __hits; builtin compadd -A __hits "$@"; local h; for h in $__hits; do print -r -- "<M>$IPREFIX$h"; done }'
  zpty -w z 'comppostfuncs=( __done ); __done () { print -r -- "<END>"; exit }'
  zpty -w z "bindkey '^I' complete-word"
  zpty -w z "print -r -- '<'READY'>'"
  while zpty -r z line; do [[ $line == *'<READY>'* ]] && break; done
  zpty -w -n z "$2"$'\t'
  while zpty -r z line; do
    [[ $line == *'<END>'* ]] && break
    [[ $line == *'<M>'* ]] && print -r -- "${${line#*<M>}//[$'\r\n']/}"
  done
  zpty -d z
} "$@"
