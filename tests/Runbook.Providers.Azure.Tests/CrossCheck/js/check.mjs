// The official Azure SDK for JavaScript (@azure/arm-appcontainers 4.0.0) against the ARM test server. One scenario
// per run; it prints one JSON object of what the SDK saw, which the C# tests compare with the server's own state.
// The azure-provider tests call these scenarios too: keep the names, arguments and output stable.
//
//   node check.mjs <scenario> '<json arguments>'
//
// Environment: AZURE_ENDPOINT (the ARM root, https://127.0.0.1:PORT), AZURE_SUBSCRIPTION_ID, AZURE_TEST_TOKEN (a
// bearer token the server accepts; handed to the SDK by a TokenCredential), NODE_EXTRA_CA_CERTS (the test CA's
// PEM: the SDK refuses bearer tokens over plain http, so the server is HTTPS and node trusts its CA this way).
//
// Scenarios and what they print (an app is `app(...)` below, a revision `revision(...)`):
//   get        {rg, app}                          → {app}
//   scale      {rg, app, minReplicas, maxReplicas} → {app}            PATCH template.scale, beginUpdateAndWait
//   image      {rg, app, image}                    → {before, app}    PATCH the first container's image (a new revision), beginUpdateAndWait
//   revisions  {rg, app}                          → {pages, revisions}  every page, following nextLink
//   revision   {rg, app, revision}                 → {revision}
//   activate   {rg, app, revision}                 → {revision}        POST …/activate, then GET the revision
//   deactivate {rg, app, revision}                 → {revision}
//   restart    {rg, app, revision}                 → {revision, replicas}  POST …/restart, then its replicas
//   replicas   {rg, app, revision}                 → {replicas}
//   traffic    {rg, app, traffic: [{revisionName?, latestRevision?, weight}]} → {app}   PATCH configuration.ingress.traffic
//   lro        {rg, app, image}                    → {statuses, app}   the update poller driven one poll() at a time
//   logs       {rg, app, revision, tail}           → {expires, replicas: [{name, container, lines}]}  getAuthToken, the
//              replicas' logStreamEndpoint read with fetch (tailLines=tail, follow=false, output=json), lines as sent
// A scenario that fails prints {failed: {name, code, statusCode, message}} and exits 1.
import { ContainerAppsAPIClient } from "@azure/arm-appcontainers";

const endpoint = process.env.AZURE_ENDPOINT;
const subscription = process.env.AZURE_SUBSCRIPTION_ID;
const credential = {
  // A TokenCredential as @azure/core-auth defines it: the test token, valid for an hour.
  getToken: async () => ({ token: process.env.AZURE_TEST_TOKEN, expiresOnTimestamp: Date.now() + 3600_000 }),
};
const client = new ContainerAppsAPIClient(credential, subscription, { endpoint });
const [scenario, json] = process.argv.slice(2);
const args = json ? JSON.parse(json) : {};

// What a reader of `az containerapp show` looks at. (The SDK flattens ARM's `properties` onto its models.)
const app = (a) => ({
  name: a.name,
  provisioningState: a.provisioningState,
  runningStatus: a.runningStatus,
  latestRevisionName: a.latestRevisionName,
  latestReadyRevisionName: a.latestReadyRevisionName,
  activeRevisionsMode: a.configuration?.activeRevisionsMode,
  traffic: a.configuration?.ingress?.traffic ?? [],
  image: a.template?.containers?.[0]?.image,
  containers: (a.template?.containers ?? []).map((c) => ({ name: c.name, image: c.image })),
  minReplicas: a.template?.scale?.minReplicas,
  maxReplicas: a.template?.scale?.maxReplicas,
});

// What a reader of `az containerapp revision list` looks at.
const revision = (r) => ({
  name: r.name,
  active: r.active,
  trafficWeight: r.trafficWeight,
  replicas: r.replicas,
  healthState: r.healthState,
  provisioningState: r.provisioningState,
  runningState: r.runningState,
  provisioningError: r.provisioningError,
  image: r.template?.containers?.[0]?.image,
  createdTime: r.createdTime instanceof Date ? r.createdTime.toISOString() : r.createdTime,
});

const replicas = async (rg, name, rev) => {
  const list = await client.containerAppsRevisionReplicas.listReplicas(rg, name, rev);
  return list.value.map((r) => ({ name: r.name, runningState: r.runningState, containers: (r.containers ?? []).map((c) => c.name) }));
};

const error = (e) => ({
  name: e.name,
  code: e.code ?? e.details?.error?.code,
  statusCode: e.statusCode,
  message: e.message,
});

const scenarios = {
  async get({ rg, app: name }) {
    return { app: app(await client.containerApps.get(rg, name)) };
  },

  async scale({ rg, app: name, minReplicas, maxReplicas }) {
    const done = await client.containerApps.beginUpdateAndWait(rg, name, { template: { scale: { minReplicas, maxReplicas } } });
    return { app: app(done) };
  },

  async image({ rg, app: name, image }) {
    const before = await client.containerApps.get(rg, name);
    const containers = before.template.containers.map((c, i) => (i === 0 ? { ...c, image } : c));
    const done = await client.containerApps.beginUpdateAndWait(rg, name, { template: { containers } });
    return { before: app(before), app: app(done) };
  },

  async revisions({ rg, app: name }) {
    const revisions = [];
    let pages = 0;
    for await (const page of client.containerAppsRevisions.listRevisions(rg, name).byPage()) {
      pages++;
      revisions.push(...page.map(revision));
    }
    return { pages, revisions };
  },

  async revision({ rg, app: name, revision: rev }) {
    return { revision: revision(await client.containerAppsRevisions.getRevision(rg, name, rev)) };
  },

  async activate({ rg, app: name, revision: rev }) {
    await client.containerAppsRevisions.activateRevision(rg, name, rev);
    return { revision: revision(await client.containerAppsRevisions.getRevision(rg, name, rev)) };
  },

  async deactivate({ rg, app: name, revision: rev }) {
    await client.containerAppsRevisions.deactivateRevision(rg, name, rev);
    return { revision: revision(await client.containerAppsRevisions.getRevision(rg, name, rev)) };
  },

  async restart({ rg, app: name, revision: rev }) {
    await client.containerAppsRevisions.restartRevision(rg, name, rev);
    return { revision: revision(await client.containerAppsRevisions.getRevision(rg, name, rev)), replicas: await replicas(rg, name, rev) };
  },

  async replicas({ rg, app: name, revision: rev }) {
    return { replicas: await replicas(rg, name, rev) };
  },

  async traffic({ rg, app: name, traffic }) {
    const done = await client.containerApps.beginUpdateAndWait(rg, name, { configuration: { ingress: { traffic } } });
    return { app: app(done) };
  },

  // The log stream as `az containerapp logs show` reads it: the app's token from getAuthToken, then each replica
  // container's logStreamEndpoint with that token.
  async logs({ rg, app: name, revision: rev, tail }) {
    const auth = await client.containerApps.getAuthToken(rg, name);
    const list = await client.containerAppsRevisionReplicas.listReplicas(rg, name, rev);
    const replicas = [];
    for (const replica of list.value) {
      for (const container of replica.containers ?? []) {
        const response = await fetch(`${container.logStreamEndpoint}?tailLines=${tail}&follow=false&output=json`, {
          headers: { Authorization: `Bearer ${auth.token}` },
        });
        if (!response.ok) throw new Error(`log stream ${response.status}: ${await response.text()}`);
        const lines = (await response.text()).split("\n").filter((l) => l.length > 0).map((l) => JSON.parse(l));
        replicas.push({ name: replica.name, container: container.name, lines });
      }
    }
    return { expires: auth.expires instanceof Date ? auth.expires.toISOString() : auth.expires, replicas };
  },

  // The long-running update driven by hand: submit, then one poll() at a time, recording each status the
  // poller reports, until it is done; then its result.
  async lro({ rg, app: name, image }) {
    const before = await client.containerApps.get(rg, name);
    const containers = before.template.containers.map((c, i) => (i === 0 ? { ...c, image } : c));
    const poller = client.containerApps.update(rg, name, { template: { containers } });
    await poller.submitted();
    const statuses = [poller.operationState?.status];
    while (!poller.isDone) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await poller.poll();
      statuses.push(poller.operationState?.status);
    }
    return { statuses, app: app(await poller) };
  },
};

try {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  process.stdout.write(JSON.stringify(await run(args)));
} catch (e) {
  process.stdout.write(JSON.stringify({ failed: error(e), stack: e.stack }));
  process.exitCode = 1;
}
