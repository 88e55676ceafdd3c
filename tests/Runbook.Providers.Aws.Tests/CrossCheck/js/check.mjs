// The official AWS SDK for JavaScript v3 against the ECS test server. One scenario per run; it prints one JSON
// object of what the SDK saw, which the C# test compares with the server's own state. Credentials and region come
// from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION) through the SDK's
// default chain; the endpoint from ECS_ENDPOINT.
import {
  ECSClient,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  RegisterTaskDefinitionCommand,
  UpdateServiceCommand,
  ListTasksCommand,
  DescribeTasksCommand,
  paginateListTaskDefinitions,
  waitUntilServicesStable,
} from "@aws-sdk/client-ecs";
import { CloudWatchLogsClient, paginateFilterLogEvents } from "@aws-sdk/client-cloudwatch-logs";

const endpoint = process.env.ECS_ENDPOINT;
const ecs = new ECSClient({ endpoint, maxAttempts: 5 });
const logs = new CloudWatchLogsClient({ endpoint, maxAttempts: 5 });
const [scenario, ...args] = process.argv.slice(2);

// Only what the test compares: what a reader of DescribeServices would look at.
const summary = (service) => ({
  desiredCount: service.desiredCount,
  runningCount: service.runningCount,
  pendingCount: service.pendingCount,
  taskDefinition: service.taskDefinition,
  deployments: service.deployments.map((d) => ({
    id: d.id,
    status: d.status,
    taskDefinition: d.taskDefinition,
    rolloutState: d.rolloutState,
    rolloutStateReason: d.rolloutStateReason,
    createdAt: d.createdAt instanceof Date ? d.createdAt.toISOString() : String(d.createdAt),
  })),
  events: service.events.map((e) => e.message),
});

const describe = async (cluster, service) => {
  const out = await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }));
  return { services: out.services.map(summary), failures: out.failures };
};

// Waits with short delays: the waiter's acceptors are the service model's, only the pacing is the test's.
const waitStable = async (cluster, service) => {
  const result = await waitUntilServicesStable({ client: ecs, maxWaitTime: 60, minDelay: 1, maxDelay: 2 }, { cluster, services: [service] });
  return result.state;
};

const error = (e) => ({
  name: e.name,
  message: e.message,
  httpStatusCode: e.$metadata?.httpStatusCode,
  attempts: e.$metadata?.attempts,
  fault: e.$fault,
  requestId: e.$metadata?.requestId,
});

const scenarios = {
  async describe(cluster, service) {
    return describe(cluster, service);
  },

  async scale(cluster, service, count) {
    const updated = await ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: Number(count) }));
    const waited = await waitStable(cluster, service);
    return { updatedDesired: updated.service.desiredCount, waited, after: await describe(cluster, service) };
  },

  // What a deploy is in ECS: the current revision, a new one with the image changed and everything else carried over, the service moved to it.
  async deploy(cluster, service, image) {
    const current = (await ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))).services[0];
    const { taskDefinition: previous, tags } = await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: current.taskDefinition, include: ["TAGS"] }));
    const input = { ...previous };
    for (const key of ["taskDefinitionArn", "revision", "status", "requiresAttributes", "compatibilities", "registeredAt", "registeredBy", "deregisteredAt", "deleteRequestedAt"]) {
      delete input[key];
    }
    input.containerDefinitions = previous.containerDefinitions.map((c, i) => (i === 0 ? { ...c, image } : c));
    if (tags && tags.length > 0) input.tags = tags;
    const registered = (await ecs.send(new RegisterTaskDefinitionCommand(input))).taskDefinition;
    const updated = (await ecs.send(new UpdateServiceCommand({ cluster, service, taskDefinition: registered.taskDefinitionArn }))).service;
    const deploymentsRightAfter = updated.deployments.length;
    const waited = await waitStable(cluster, service);
    return {
      previous: previous.taskDefinitionArn,
      registered: registered.taskDefinitionArn,
      revision: registered.revision,
      sent: input,
      deploymentsRightAfter,
      waited,
      after: await describe(cluster, service),
    };
  },

  async rollback(cluster, service, taskDefinition) {
    await ecs.send(new UpdateServiceCommand({ cluster, service, taskDefinition }));
    const waited = await waitStable(cluster, service);
    return { waited, after: await describe(cluster, service) };
  },

  async waitStable(cluster, service) {
    try {
      return { waited: await waitStable(cluster, service) };
    } catch (e) {
      return { waited: "FAILED", error: error(e), reason: e.message };
    }
  },

  async stoppedTasks(cluster, service) {
    const arns = (await ecs.send(new ListTasksCommand({ cluster, serviceName: service, desiredStatus: "STOPPED" }))).taskArns;
    if (arns.length === 0) return { tasks: [] };
    const out = await ecs.send(new DescribeTasksCommand({ cluster, tasks: arns }));
    return {
      tasks: out.tasks.map((t) => ({
        taskArn: t.taskArn,
        taskDefinitionArn: t.taskDefinitionArn,
        lastStatus: t.lastStatus,
        stoppedReason: t.stoppedReason,
        stopCode: t.stopCode,
        exitCodes: t.containers.map((c) => c.exitCode ?? null),
      })),
    };
  },

  async taskDefinitions(family) {
    const arns = [];
    let pages = 0;
    for await (const page of paginateListTaskDefinitions({ client: ecs, pageSize: 2 }, { familyPrefix: family, sort: "DESC" })) {
      pages++;
      arns.push(...page.taskDefinitionArns);
    }
    return { arns, pages };
  },

  async logs(group, prefix, filterPattern, startTime, pageSize) {
    const events = [];
    let pages = 0;
    const input = { logGroupName: group };
    if (prefix) input.logStreamNamePrefix = prefix;
    if (filterPattern) input.filterPattern = filterPattern;
    if (startTime) input.startTime = Number(startTime);
    for await (const page of paginateFilterLogEvents({ client: logs, pageSize: Number(pageSize || 10000) }, input)) {
      pages++;
      events.push(...page.events.map((e) => ({ stream: e.logStreamName, timestamp: e.timestamp, message: e.message })));
    }
    return { events, pages };
  },

  // Errors as the SDK surfaces them: an ECS call and a Logs call, each expected to fail.
  async errors(cluster, service) {
    const out = {};
    for (const [name, call] of [
      ["describe", () => ecs.send(new DescribeServicesCommand({ cluster, services: [service] }))],
      ["update", () => ecs.send(new UpdateServiceCommand({ cluster, service, desiredCount: 1 }))],
      ["taskDefinition", () => ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition: `${service}-no-such-family` }))],
      ["logs", async () => { for await (const _ of paginateFilterLogEvents({ client: logs }, { logGroupName: `/ecs/${service}-no-such-group` })) { } }],
    ]) {
      try {
        const result = await call();
        out[name] = { ok: true, attempts: result?.$metadata?.attempts, failures: result?.failures };
      } catch (e) {
        out[name] = error(e);
      }
    }
    return out;
  },
};

try {
  const run = scenarios[scenario];
  if (!run) throw new Error(`unknown scenario ${scenario}`);
  process.stdout.write(JSON.stringify(await run(...args)));
} catch (e) {
  process.stdout.write(JSON.stringify({ failed: error(e), stack: e.stack }));
  process.exitCode = 1;
}
