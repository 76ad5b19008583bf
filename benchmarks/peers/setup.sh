#!/usr/bin/env bash
# Create one virtual environment per peer under $PEERS_VENVS (default
# benchmarks/peers/.venvs, git-ignored) and install it from PyPI, pinned as in
# ../shared/PEERS.md. torch is pinned to the CPU build (torch==2.13.0) so that
# no peer pulls a CUDA torch. Usage: bash benchmarks/peers/setup.sh [recbole] [cornac] [recpack]
# A peer that fails to install is reported and skipped; run.py records why.
set -u
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENVS="${PEERS_VENVS:-$HERE/.venvs}"
PYTHON="${PYTHON:-python3}"
TORCH="${TORCH:-torch==2.13.0}"
PEERS=("$@")
[ ${#PEERS[@]} -eq 0 ] && PEERS=(recbole cornac recpack)
mkdir -p "$VENVS"
PIN="$VENVS/torch-pin.txt"
echo "$TORCH" > "$PIN"

spec() {
    case "$1" in
        recbole) echo 'recbole==1.2.1 numpy<2 setuptools<81 pandas<2.3 scipy' ;;
        cornac) echo 'cornac==3.0.1 pandas scipy' ;;
        recpack) echo 'recpack==0.3.6 scipy' ;;
        *) return 1 ;;
    esac
}

status=0
for peer in "${PEERS[@]}"; do
    pkgs="$(spec "$peer")" || { echo "unknown peer: $peer" >&2; status=1; continue; }
    venv="$VENVS/$peer"
    log="$VENVS/$peer.install.log"
    rm -f "$VENVS/$peer.installed" "$VENVS/$peer.failed"
    echo "== $peer -> $venv (log: $log)"
    {
        [ -x "$venv/bin/python" ] || "$PYTHON" -m venv "$venv" &&
        "$venv/bin/python" -m pip install --quiet "$TORCH" &&
        # shellcheck disable=SC2086
        "$venv/bin/python" -m pip install --quiet -c "$PIN" $pkgs
    } >"$log" 2>&1
    if [ $? -eq 0 ]; then
        "$venv/bin/python" -m pip freeze > "$VENVS/$peer.installed"
        echo "   installed"
    else
        tail -n 20 "$log" > "$VENVS/$peer.failed"
        echo "   FAILED (see $log)"
        status=1
    fi
done
exit $status
