# Sourced by the install scripts: a PyPI package pinned in its own virtualenv, kept in a cache
# directory outside the repo and reused when present.

# install_venv DIR REQUIREMENT: creates DIR with `pip install REQUIREMENT` unless it is complete.
install_venv() {
  local venv=$1 requirement=$2
  [ -f "$venv/.complete" ] && return 0
  echo "installing $requirement into $venv…"
  # A venv holds absolute paths, so it is built where it stays; the marker written last makes an
  # interrupted install start over instead of being half-used.
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "$requirement"
  touch "$venv/.complete"
}
