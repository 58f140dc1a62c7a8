# Shared by the bench scripts (sourced, not run): installing missing tools and finding Sluice's
# release binary. Each script sets REPO to the repository root before sourcing this file.

# need COMMAND:PACKAGE… installs the Debian package of every missing command when running as root
# with apt-get; otherwise says what to install and exits. `time` is looked up as /usr/bin/time.
need() {
    local missing=() pair command package
    for pair in "$@"; do
        command="${pair%%:*}"
        package="${pair#*:}"
        if [ "$command" = time ]; then
            [ -x /usr/bin/time ] || missing+=("$package")
        else
            command -v "$command" >/dev/null 2>&1 || missing+=("$package")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing ${missing[*]}…"
        if ! apt-cache policy "${missing[@]}" 2>/dev/null | grep -q 'Candidate: [0-9]'; then
            apt-get update -qq
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "please install: ${missing[*]} (e.g. sudo apt-get install ${missing[*]})" >&2
        exit 1
    fi
}

# sluice_binary sets SLUICE to the absolute path of $SLUICE_BIN when given, else builds the release
# binary and uses that.
sluice_binary() {
    if [ -n "${SLUICE_BIN:-}" ]; then
        SLUICE="$(cd "$(dirname "$SLUICE_BIN")" && pwd)/$(basename "$SLUICE_BIN")"
    else
        echo "building sluice (release)…"
        (cd "$REPO" && swift build -c release --product sluice >/dev/null)
        SLUICE="$(cd "$REPO" && swift build -c release --show-bin-path)/sluice"
    fi
    [ -x "$SLUICE" ] || { echo "no sluice binary at $SLUICE" >&2; exit 1; }
}
