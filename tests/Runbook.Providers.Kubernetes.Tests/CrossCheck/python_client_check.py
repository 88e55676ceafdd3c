"""The official Kubernetes Python client against the test API server: a read, a patch of /scale, a strategic
merge patch of the image, a watch until the rollout is done, and pods by label. Prints what it saw as JSON.
Usage: python_client_check.py KUBECONFIG NAMESPACE"""
import json
import sys

from kubernetes import client, config, watch

config.load_kube_config(config_file=sys.argv[1])
namespace = sys.argv[2]
apps = client.AppsV1Api()
core = client.CoreV1Api()
seen = {}

deployment = apps.read_namespaced_deployment("web", namespace)
seen["read"] = {
    "image": deployment.spec.template.spec.containers[0].image,
    "replicas": deployment.spec.replicas,
    "revision": deployment.metadata.annotations["deployment.kubernetes.io/revision"],
}
seen["scaled_to"] = apps.patch_namespaced_deployment_scale("web", namespace, {"spec": {"replicas": 3}}).spec.replicas
patched = apps.patch_namespaced_deployment(
    "web", namespace, {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "web:py"}]}}}})
seen["patched"] = {
    "image": patched.spec.template.spec.containers[0].image,
    "containers": len(patched.spec.template.spec.containers),
    "generation": patched.metadata.generation,
}


def rolled_out(d):
    s = d.status
    return (d.metadata.generation <= (s.observed_generation or 0)
            and (s.updated_replicas or 0) == d.spec.replicas
            and (s.replicas or 0) == d.spec.replicas
            and (s.available_replicas or 0) == d.spec.replicas)


events = 0
seen["rolled_out"] = False
stream = watch.Watch()
for event in stream.stream(apps.list_namespaced_deployment, namespace, field_selector="metadata.name=web", timeout_seconds=30):
    events += 1
    if rolled_out(event["object"]):
        seen["rolled_out"] = True
        stream.stop()
seen["watch_events"] = events
seen["pods"] = sorted(p.spec.containers[0].image for p in core.list_namespaced_pod(namespace, label_selector="app=web").items)
print(json.dumps(seen))
