"""Checks one rendered kustomization (scripts/validate-deploy.sh) beyond the Kubernetes
schemas, and writes its built-in kinds to a second file for kubernetes-validate.

The custom resources (Gateway API, Prometheus Operator) have no schema here, so this checks
what their controllers need: routes attach to a listener of a Gateway in the same render,
their host names are the listener's and the services' own URLs, backends are Services with
that port; PodMonitors select the Deployments' pods by a port they declare (the Deployments
read from kubernetes/base); PrometheusRules have an expression per rule. In every ConfigMap,
the trusted-proxy lists must parse as addresses or CIDRs.

Usage: validate-manifests.py RENDERED.yaml BUILTIN_OUT.yaml
"""

import ipaddress
import pathlib
import sys
from urllib.parse import urlparse

import yaml

CUSTOM = {"Gateway", "HTTPRoute", "PodMonitor", "PrometheusRule"}
PROXY_LISTS = ("IMAGE_TRUSTED_PROXIES", "PICSUM_TRUSTED_PROXIES")


def fail(message):
    sys.exit(f"{sys.argv[1]}: {message}")


def by_kind(docs, kind):
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def check_proxies(configmaps):
    for cm in configmaps.values():
        for key in PROXY_LISTS:
            for entry in filter(None, (e.strip() for e in cm.get("data", {}).get(key, "").split(","))):
                try:
                    ipaddress.ip_network(entry, strict=True)
                except ValueError as err:
                    fail(f"ConfigMap {cm['metadata']['name']}: {key}: {entry}: {err}")


def service_hosts(configmaps):
    """The API's and the image service's host names from the services' own URLs."""
    data = configmaps.get("picsum-config", {}).get("data", {})
    return {
        "picsum-api": urlparse(data.get("PICSUM_ROOT_URL", "")).hostname,
        "picsum-image-service": urlparse(data.get("PICSUM_IMAGE_SERVICE_URL", "")).hostname,
    }


def check_routes(docs, configmaps):
    gateways, services = by_kind(docs, "Gateway"), by_kind(docs, "Service")
    hosts = service_hosts(configmaps)
    for name, gw in gateways.items():
        if not gw["spec"].get("gatewayClassName"):
            fail(f"Gateway {name}: no gatewayClassName")
        for listener in gw["spec"]["listeners"]:
            if listener["protocol"] == "HTTPS" and not listener.get("tls", {}).get("certificateRefs"):
                fail(f"Gateway {name}: listener {listener['name']} has no certificate")
    for name, route in by_kind(docs, "HTTPRoute").items():
        for parent in route["spec"]["parentRefs"]:
            gw = gateways.get(parent["name"]) or fail(f"HTTPRoute {name}: no Gateway {parent['name']}")
            listeners = {l["name"]: l for l in gw["spec"]["listeners"]}
            listener = listeners.get(parent.get("sectionName")) or fail(
                f"HTTPRoute {name}: Gateway {parent['name']} has no listener {parent.get('sectionName')}")
            for host in route["spec"].get("hostnames", []):
                if listener.get("hostname") not in (None, host):
                    fail(f"HTTPRoute {name}: {host} is not listener {listener['name']}'s {listener['hostname']}")
        for rule in route["spec"]["rules"]:
            for ref in rule.get("backendRefs", []):
                svc = services.get(ref["name"]) or fail(f"HTTPRoute {name}: no Service {ref['name']}")
                if ref["port"] not in [p["port"] for p in svc["spec"]["ports"]]:
                    fail(f"HTTPRoute {name}: Service {ref['name']} has no port {ref['port']}")
                want = hosts.get(ref["name"])
                if want and want not in route["spec"].get("hostnames", []):
                    fail(f"HTTPRoute {name}: {ref['name']} is reached at {want} (picsum-config), "
                         f"the route names {route['spec'].get('hostnames')}")


def base_deployments():
    docs = []
    for path in sorted(pathlib.Path("kubernetes/base").glob("*.yaml")):
        docs += [d for d in yaml.safe_load_all(path.read_text()) if d]
    return by_kind(docs, "Deployment")


def check_monitors(docs):
    deployments = base_deployments()
    for name, pm in by_kind(docs, "PodMonitor").items():
        wanted = set()
        for expr in pm["spec"]["selector"].get("matchExpressions", []):
            if expr["operator"] != "In":
                fail(f"PodMonitor {name}: only In selectors are checked")
            wanted |= set(expr["values"])
        label = pm["spec"].get("jobLabel")
        for value in wanted:
            dep = next((d for d in deployments.values()
                        if d["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/name") == value),
                       None) or fail(f"PodMonitor {name}: no Deployment's pods are {value}")
            if label and label not in dep["spec"]["template"]["metadata"]["labels"]:
                fail(f"PodMonitor {name}: {value}'s pods have no label {label}")
            ports = {p["name"] for c in dep["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])}
            for endpoint in pm["spec"]["podMetricsEndpoints"]:
                if endpoint["port"] not in ports:
                    fail(f"PodMonitor {name}: {value} declares no port {endpoint['port']}")


def check_rules(docs):
    for name, rule in by_kind(docs, "PrometheusRule").items():
        for group in rule["spec"]["groups"]:
            for r in group["rules"]:
                if not r.get("expr") or not (r.get("alert") or r.get("record")):
                    fail(f"PrometheusRule {name}: a rule without alert/record or expr")


def main():
    docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
    configmaps = by_kind(docs, "ConfigMap")
    check_proxies(configmaps)
    check_routes(docs, configmaps)
    check_monitors(docs)
    check_rules(docs)
    with open(sys.argv[2], "w") as out:
        yaml.safe_dump_all([d for d in docs if d["kind"] not in CUSTOM], out, sort_keys=False)


main()
