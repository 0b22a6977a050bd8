"""Runs a hub's generated spawner configuration in the real KubeSpawner, for tests/profiles_spawn.rs.

Reads JSON on stdin: {"values": <the hub's chart values>, "cases": [{"user", "groups", "options", "expected"}]}.
For each case it configures KubeSpawner from the values as the Zero to JupyterHub chart's jupyterhub_config.py
does for the settings profiles and rules touch (image, environment, resources, tolerations, node selector, node
affinity, profile_list), runs every `hub.extraConfig` snippet in key order as the chart does, then lets
KubeSpawner load the user's options (the chosen entry and choices), build the pod, and run `modify_pod_hook`.
Prints, per case, the pod's settings and the expected ones (`jupyflux explain --format json`), both in one
canonical form (quantities as numbers), so the Rust test compares like with like.
"""

import asyncio
import json
import re
import sys

import kubespawner.spawner
from jupyterhub.utils import maybe_future
from kubernetes_asyncio.client import ApiClient
from kubespawner import KubeSpawner
from traitlets.config import Config

# No cluster: building a pod manifest never calls the API, so the client KubeSpawner makes is not needed.
kubespawner.spawner.load_config = lambda **kwargs: None
kubespawner.spawner.shared_client = lambda *args, **kwargs: None

# Variables KubeSpawner and JupyterHub set in every server: not the definition's.
OWN_ENV = re.compile(r"^(JUPYTERHUB_.*|JPY_.*|MEM_(LIMIT|GUARANTEE)|CPU_(LIMIT|GUARANTEE)|JUPYTER_IMAGE(_SPEC)?)$")
# The chart's default `scheduling.userPods.tolerations`.
CHART_TOLERATIONS = [
    {"key": key, "operator": "Equal", "value": "user", "effect": "NoSchedule"}
    for key in ("hub.jupyter.org/dedicated", "hub.jupyter.org_dedicated")
]
SUFFIXES = {
    "": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
    "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60,
}


def quantity(value):
    """A Kubernetes quantity (or a number) as a number."""
    if isinstance(value, (int, float)):
        return float(value)
    number, suffix = re.fullmatch(r"([0-9.]+)([a-zA-Z]*)", str(value)).groups()
    return float(number) * SUFFIXES[suffix]


def configure(values):
    c = Config()
    su = values.get("singleuser", {})
    image = su.get("image", {})
    if image.get("name"):
        c.KubeSpawner.image = f"{image['name']}:{image['tag']}"
    c.KubeSpawner.environment = dict(su.get("extraEnv", {}))
    for kind in ("cpu", "memory"):
        for bound in ("guarantee", "limit"):
            value = su.get(kind, {}).get(bound)
            if value is not None:
                setattr(c.KubeSpawner, f"{'mem' if kind == 'memory' else kind}_{bound}", value)
    for bound in ("limits", "guarantees"):
        extra = su.get("extraResource", {}).get(bound)
        if extra:
            setattr(c.KubeSpawner, f"extra_resource_{bound}", dict(extra))
    user_pods = values.get("scheduling", {}).get("userPods", {})
    c.KubeSpawner.tolerations = list(user_pods.get("tolerations", CHART_TOLERATIONS)) + list(su.get("extraTolerations", []))
    c.KubeSpawner.node_selector = dict(su.get("nodeSelector", {}))
    c.KubeSpawner.node_affinity_required = list(su.get("extraNodeAffinity", {}).get("required", []))
    if su.get("defaultUrl"):
        c.KubeSpawner.default_url = su["defaultUrl"]
    c.KubeSpawner.profile_list = list(su.get("profileList", []))
    for _key, snippet in sorted(values.get("hub", {}).get("extraConfig", {}).items()):
        exec(compile(snippet, f"hub.extraConfig.{_key}", "exec"), {"c": c, "__name__": "jupyterhub_config"})
    return c


class Group:
    def __init__(self, name):
        self.name = name


class User:
    """What KubeSpawner and the generated configuration read of a JupyterHub user."""

    def __init__(self, name, groups):
        self.name = name
        self.id = 1
        self.url = f"/user/{name}/"
        self.escaped_name = name
        self.groups = [Group(g) for g in groups]
        self._groups = groups

    async def get_auth_state(self):
        # The groups claim, as OAuthenticator keeps it (the generated code reads either source).
        return {"oauth_user": {"groups": self._groups}}


def canonical_pod(pod):
    spec = pod["spec"]
    container = next(c for c in spec["containers"] if c["name"] == "notebook")
    env = {}
    for var in container.get("env") or []:
        if OWN_ENV.match(var["name"]):
            continue
        env[var["name"]] = {k: v for k, v in var.items() if k != "name"}
    resources = container.get("resources") or {}
    affinity = spec.get("affinity") or {}
    required = (affinity.get("nodeAffinity") or {}).get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    return {
        "image": container["image"],
        "env": env,
        "requests": {k: quantity(v) for k, v in (resources.get("requests") or {}).items()},
        "limits": {k: quantity(v) for k, v in (resources.get("limits") or {}).items()},
        "tolerations": spec.get("tolerations") or [],
        "nodeSelector": spec.get("nodeSelector") or {},
        "nodeAffinityRequired": required.get("nodeSelectorTerms") or [],
    }


def canonical_expected(server):
    env = {}
    for name, value in server["env"].items():
        env[name] = {k: v for k, v in value.items() if k != "secret"}
    resources = server["resources"]
    return {
        "image": server["image"],
        "env": env,
        "requests": {k: quantity(v) for k, v in resources["requests"].items()},
        "limits": {k: quantity(v) for k, v in resources["limits"].items()},
        "tolerations": server["tolerations"],
        "nodeSelector": server["nodeSelector"],
        "nodeAffinityRequired": server["nodeAffinityRequired"],
    }


async def spawn(config, case):
    spawner = KubeSpawner(_mock=True, config=config, user=User(case["user"], case["groups"]))
    spawner.user_options = dict(case["options"])
    await spawner.load_user_options()
    pod = await spawner.get_pod_manifest()
    if spawner.modify_pod_hook:
        pod = await maybe_future(spawner.modify_pod_hook(spawner, pod))
    async with ApiClient() as client:
        return client.sanitize_for_serialization(pod)


async def main():
    request = json.load(sys.stdin)
    config = configure(request["values"])
    results = []
    for case in request["cases"]:
        pod = await spawn(config, case)
        results.append({"actual": canonical_pod(pod), "expected": canonical_expected(case["expected"])})
    json.dump(results, sys.stdout, indent=1, sort_keys=True)


asyncio.run(main())
