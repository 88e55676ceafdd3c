// Google's official JavaScript clients against the Cloud Run test server: @google-cloud/run (ServicesClient,
// RevisionsClient) in its REST mode (fallback: true) and @google-cloud/logging, each holding the test token in a
// google-auth-library OAuth2Client. One scenario per run; it prints one JSON object of what the client saw, which
// the C# tests compare with the server's own state (and gcp-provider's tests with the provider's view).
//
//   node check.mjs <scenario> '<json args>'
//
// Environment: RUN_ENDPOINT (http://127.0.0.1:PORT, the server's root for Run and Logging alike), RUN_TOKEN (a
// bearer token the server accepts). Names are full resource names: projects/P/locations/R/services/S.
//
// Scenarios and their output (stable: other tests depend on them):
//   get-service      {service}                       → {service: Summary}
//   update-scaling   {service, min, max}             → {operation, done, service: Summary}   getService, set template.scaling, updateService, operation.promise()
//   update-image     {service, image}                → {operation, done, service: Summary}   same, template.containers[0].image
//   update-traffic   {service, revision, percent?}   → {operation, done, service: Summary}   traffic = [{REVISION, revision, percent (100)}]
//   list-revisions   {service, pageSize?}            → {pages, revisions: [{name, ready, reason, image, createTime, minInstanceCount, maxInstanceCount}]}
//                                                      every page, newest first as the server lists them
//   poll-operation   {service, image}                → {operation, polls, done, service: Summary}   updateService, then checkUpdateServiceProgress until done
//   bad-image        {service, image}                → {operation, error: Error}   updateService whose operation.promise() rejects
//   logs             {service, since?, filter?, orderBy?, pageSize?, max?} → {entries: [{timestamp, severity, text, revision, logName}]}
//                                                      @google-cloud/logging getEntries, filter resource.type="cloud_run_revision" and the service
// Summary: {name, generation, observedGeneration, reconciling, etag, image, minInstanceCount, maxInstanceCount,
//   latestReadyRevision, latestCreatedRevision, traffic: [{type, revision, percent}], trafficStatuses: [{type, revision, percent}],
//   terminalCondition: {type, state, reason, revisionReason, message}, conditions: [{type, state, reason, message}]}
//   (enums as their names, whatever the wire carried; absent fields as null)
// A Google error ends any scenario with exit code 0 and {error: Error}; Error: {code (gRPC number), status (its name),
//   httpStatus (when the client kept it), message, reason, domain, errorInfoMetadata (from an ErrorInfo detail)}.
//   Anything else exits 1 with the stack on stderr.
import { ServicesClient, RevisionsClient, protos } from "@google-cloud/run";
import { OAuth2Client } from "google-auth-library";

const endpoint = new URL(process.env.RUN_ENDPOINT);
const token = process.env.RUN_TOKEN;
const [scenario, argsText] = process.argv.slice(2);
const args = JSON.parse(argsText ?? "{}");

const authClient = new OAuth2Client();
authClient.setCredentials({ access_token: token, expiry_date: Date.now() + 3600 * 1000 });
const options = {
  fallback: true,
  apiEndpoint: endpoint.hostname,
  port: Number(endpoint.port),
  protocol: endpoint.protocol.replace(":", ""),
  authClient,
};
const services = new ServicesClient(options);
const revisions = new RevisionsClient(options);

const v2 = protos.google.cloud.run.v2;
const enumName = (type, value) => (value === null || value === undefined ? null : typeof value === "number" ? type[value] : value);
const condition = (c) =>
  c && {
    type: c.type ?? null,
    state: enumName(v2.Condition.State, c.state),
    reason: c.reason ? enumName(v2.Condition.CommonReason, c.reason) : null,
    revisionReason: c.revisionReason ? enumName(v2.Condition.RevisionReason, c.revisionReason) : null,
    message: c.message || null,
  };
const traffic = (t) => ({ type: enumName(v2.TrafficTargetAllocationType, t.type), revision: t.revision || null, percent: t.percent ?? 0 });
const summary = (s) => ({
  name: s.name,
  generation: String(s.generation),
  observedGeneration: String(s.observedGeneration),
  reconciling: !!s.reconciling,
  etag: s.etag,
  image: s.template?.containers?.[0]?.image ?? null,
  minInstanceCount: s.template?.scaling?.minInstanceCount ?? 0,
  maxInstanceCount: s.template?.scaling?.maxInstanceCount ?? 0,
  latestReadyRevision: s.latestReadyRevision || null,
  latestCreatedRevision: s.latestCreatedRevision || null,
  traffic: (s.traffic ?? []).map(traffic),
  trafficStatuses: (s.trafficStatuses ?? []).map(traffic),
  terminalCondition: condition(s.terminalCondition) ?? null,
  conditions: (s.conditions ?? []).map(condition),
});
// gRPC code numbers to google.rpc.Code names: the client keeps the number; the name is what Google's body said.
const STATUS = ["OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"];
const googleError = (e) => ({
  code: e.code ?? null,
  status: STATUS[e.code] ?? null,
  httpStatus: e.httpStatusCode ?? null,
  message: typeof e.details === "string" && e.details.length > 0 ? e.details : e.message,
  reason: e.reason ?? null,
  domain: e.domain ?? null,
  errorInfoMetadata: e.errorInfoMetadata ?? null,
});

const getService = async (name) => (await services.getService({ name }))[0];

// getService, change it, updateService with the whole service (as gcloud and most callers do), wait for the LRO.
const update = async (name, change) => {
  const service = await getService(name);
  change(service);
  const [operation] = await services.updateService({ service });
  const [response] = await operation.promise();
  return { operation: operation.name, done: true, service: summary(response) };
};

const scenarios = {
  "get-service": async ({ service }) => ({ service: summary(await getService(service)) }),
  "update-scaling": ({ service, min, max }) =>
    update(service, (s) => {
      s.template.scaling = { ...(s.template.scaling ?? {}), minInstanceCount: min, maxInstanceCount: max };
    }),
  "update-image": ({ service, image }) =>
    update(service, (s) => {
      s.template.containers[0].image = image;
    }),
  "update-traffic": ({ service, revision, percent }) =>
    update(service, (s) => {
      s.traffic = [{ type: v2.TrafficTargetAllocationType.TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION, revision, percent: percent ?? 100 }];
    }),
  "list-revisions": async ({ service, pageSize }) => {
    const all = [];
    let pages = 0;
    let request = { parent: service, pageSize: pageSize ?? 0 };
    // One page per call, following nextPageToken, so the test sees how many pages the server made.
    while (request) {
      const [page, next] = await revisions.listRevisions(request, { autoPaginate: false });
      pages++;
      all.push(...page);
      request = next && next.pageToken ? { ...request, pageToken: next.pageToken } : null;
    }
    return {
      pages,
      revisions: all.map((r) => {
        const ready = (r.conditions ?? []).find((c) => c.type === "Ready");
        return {
          name: r.name,
          ready: enumName(v2.Condition.State, ready?.state) === "CONDITION_SUCCEEDED",
          reason: ready?.revisionReason ? enumName(v2.Condition.RevisionReason, ready.revisionReason) : null,
          image: r.containers?.[0]?.image ?? null,
          createTime: r.createTime ? new Date(Number(r.createTime.seconds) * 1000 + Math.floor((r.createTime.nanos ?? 0) / 1e6)).toISOString() : null,
          minInstanceCount: r.scaling?.minInstanceCount ?? 0,
          maxInstanceCount: r.scaling?.maxInstanceCount ?? 0,
        };
      }),
    };
  },
  "poll-operation": async ({ service, image }) => {
    const current = await getService(service);
    current.template.containers[0].image = image;
    const [operation] = await services.updateService({ service: current });
    let polls = 0;
    let state = operation;
    while (!state.done) {
      await new Promise((r) => setTimeout(r, 50));
      state = await services.checkUpdateServiceProgress(operation.name);
      polls++;
    }
    if (state.error) {
      return { operation: operation.name, polls, done: true, error: googleError(state.error) };
    }
    return { operation: operation.name, polls, done: true, service: summary(state.result) };
  },
  "bad-image": async ({ service, image }) => {
    const current = await getService(service);
    current.template.containers[0].image = image;
    const [operation] = await services.updateService({ service: current });
    try {
      await operation.promise();
      return { operation: operation.name, error: null };
    } catch (e) {
      return { operation: operation.name, error: googleError(e) };
    }
  },
  logs: async ({ service, since, filter, orderBy, pageSize, max }) => {
    const { Logging } = await import("@google-cloud/logging");
    const [, project, , , , name] = service.split("/");
    const logging = new Logging({ projectId: project, apiEndpoint: endpoint.hostname, port: Number(endpoint.port), protocol: endpoint.protocol.replace(":", ""), fallback: true, authClient });
    const terms = [`resource.type="cloud_run_revision"`, `resource.labels.service_name="${name}"`];
    if (since) terms.push(`timestamp>="${since}"`);
    if (filter) terms.push(filter);
    const [entries] = await logging.getEntries({ filter: terms.join(" AND "), orderBy: orderBy ?? "timestamp asc", pageSize, maxResults: max, autoPaginate: true });
    return {
      entries: entries.map((e) => ({
        timestamp: e.metadata.timestamp instanceof Date ? e.metadata.timestamp.toISOString() : e.metadata.timestamp,
        severity: e.metadata.severity,
        text: typeof e.data === "string" ? e.data : JSON.stringify(e.data),
        revision: e.metadata.resource?.labels?.revision_name ?? null,
        logName: e.metadata.logName,
      })),
    };
  },
};

const run = scenarios[scenario];
if (!run) {
  console.error(`unknown scenario '${scenario}': one of ${Object.keys(scenarios).join(", ")}`);
  process.exit(2);
}
try {
  console.log(JSON.stringify(await run(args)));
} catch (e) {
  if (typeof e?.code === "number") {
    console.log(JSON.stringify({ error: googleError(e) }));
  } else {
    console.error(e?.stack ?? String(e));
    process.exit(1);
  }
}
