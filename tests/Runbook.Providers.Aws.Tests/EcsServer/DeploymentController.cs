using System.Security.Cryptography;

namespace Runbook.Providers.Aws.Tests.EcsServer;

/// <summary>
/// The ECS service scheduler's rolling update, one round at a time: a task launched in one round starts (or,
/// when its image is marked bad, fails to start: exit code 1, "Essential container in task exited") in the next;
/// the PRIMARY deployment launches up to its desired count within maximumPercent; an older deployment keeps
/// enough running tasks for minimumHealthyPercent until the new ones run, then drains and leaves the list; the
/// rollout is COMPLETED when the PRIMARY deployment alone runs the desired count. With the circuit breaker on,
/// failed tasks reaching the threshold mark the deployment FAILED, and with rollback on, a new deployment of the
/// last COMPLETED task definition takes over. Running tasks write to their awslogs stream.
/// </summary>
internal sealed partial class EcsBackend
{
    /// <summary>One round of the scheduler over every service.</summary>
    public void Round() => Locked(() =>
    {
        _round++;
        foreach (var service in _clusters.Values.SelectMany(c => c.Services).Where(s => s.Status == "ACTIVE"))
        {
            Schedule(service);
        }

        return 0;
    });

    /// <summary>How many failed tasks trip the breaker: half the desired count, at least 3 and at most 200, as ECS documents it.</summary>
    public static int CircuitBreakerThreshold(int desiredCount) => Math.Clamp((int)Math.Ceiling(desiredCount / 2.0), 3, 200);

    private void Schedule(ServiceState service)
    {
        var tasks = _tasks.Where(t => t.Cluster == service.Cluster && t.Service == service.Name).ToList();

        // Tasks launched in an earlier round start now, or fail to.
        foreach (var task in tasks.Where(t => t.LastStatus == "PENDING" && t.CreatedRound < _round))
        {
            if (task.Containers.Any(c => _badImages.Contains(c.Image)))
            {
                FailTask(service, task);
            }
            else
            {
                StartTask(task);
            }
        }

        var primary = service.Deployments[0];
        if (primary.RolloutState == "IN_PROGRESS" && service.CircuitBreakerEnabled && primary.FailedTasks >= CircuitBreakerThreshold(primary.DesiredCount))
        {
            primary = TripCircuitBreaker(service, primary);
        }

        var live = _tasks.Where(t => t.Cluster == service.Cluster && t.Service == service.Name && t.Live).ToList();
        var primaryLive = live.Where(t => t.DeploymentId == primary.Id).ToList();

        // The PRIMARY deployment launches what it lacks (a FAILED one launches no more) and stops what it has too many of.
        var launched = new List<TaskState>();
        if (primary.RolloutState != "FAILED")
        {
            var ceiling = (int)Math.Floor(service.DesiredCount * service.MaximumPercent / 100.0);
            var room = Math.Max(0, Math.Max(ceiling, service.DesiredCount) - live.Count);
            var lacking = Math.Min(service.DesiredCount - primaryLive.Count, room);
            var definition = FindTaskDefinition(primary.TaskDefinitionArn)!;
            for (var i = 0; i < lacking; i++)
            {
                launched.Add(Launch(service, primary, definition));
            }
        }

        var stopped = new List<TaskState>();
        foreach (var extra in primaryLive.OrderByDescending(t => t.LastStatus == "RUNNING").Skip(service.DesiredCount))
        {
            Stop(extra, $"Scaling activity initiated by (deployment {primary.Id})");
            stopped.Add(extra);
        }

        // Older deployments keep what minimumHealthyPercent needs until the new tasks run; a FAILED primary without
        // rollback leaves them serving.
        var primaryRunning = primaryLive.Count(t => t.LastStatus == "RUNNING");
        var floor = (int)Math.Ceiling(service.DesiredCount * service.MinimumHealthyPercent / 100.0);
        var keep = primary.RolloutState == "FAILED" ? int.MaxValue : Math.Max(0, floor - primaryRunning);
        foreach (var old in service.Deployments.Skip(1).ToList())
        {
            var oldLive = live.Where(t => t.DeploymentId == old.Id).OrderByDescending(t => t.LastStatus == "RUNNING").ToList();
            foreach (var task in oldLive.Where(t => t.LastStatus == "PENDING"))
            {
                Stop(task, $"Scaling activity initiated by (deployment {old.Id})");
                stopped.Add(task);
            }

            var running = oldLive.Where(t => t.LastStatus == "RUNNING").ToList();
            foreach (var task in running.Skip(keep))
            {
                Stop(task, $"Scaling activity initiated by (deployment {old.Id})");
                stopped.Add(task);
            }

            var remaining = Math.Min(running.Count, keep == int.MaxValue ? running.Count : keep);
            keep = keep == int.MaxValue ? keep : keep - remaining;
            if (old.DesiredCount != remaining)
            {
                old.DesiredCount = remaining;
                old.UpdatedAt = Now;
            }

            // A drained deployment leaves the list; a FAILED one stays until the rollback runs the desired count,
            // so clients can read why the rollback happened while it is under way.
            if (remaining == 0 && (old.RolloutState != "FAILED" || primaryRunning >= service.DesiredCount))
            {
                service.Deployments.Remove(old);
            }
        }

        if (launched.Count > 0)
        {
            AddEvent(service, $"(service {service.Name}) has started {launched.Count} tasks: {string.Join(' ', launched.Select(t => $"(task {t.Id})"))}.");
        }

        if (stopped.Count > 0)
        {
            AddEvent(service, $"(service {service.Name}) has stopped {stopped.Count} running tasks: {string.Join(' ', stopped.Select(t => $"(task {t.Id})"))}.");
        }

        var settled = service.Deployments.Count == 1 && Count(service, primary.Id, "RUNNING") == service.DesiredCount && Count(service, primary.Id, "PENDING") == 0;
        if (settled && primary.RolloutState == "IN_PROGRESS")
        {
            Complete(service, primary);
        }

        if (settled && !service.Steady)
        {
            AddEvent(service, $"(service {service.Name}) has reached a steady state.");
        }

        service.Steady = settled;
        Prune(service);
    }

    private DeploymentState TripCircuitBreaker(ServiceState service, DeploymentState failed)
    {
        failed.RolloutState = "FAILED";
        failed.RolloutStateReason = "ECS deployment circuit breaker: tasks failed to start.";
        failed.UpdatedAt = Now;
        AddEvent(service, $"(service {service.Name}) (deployment {failed.Id}) deployment failed: tasks failed to start.");
        foreach (var task in _tasks.Where(t => t.DeploymentId == failed.Id && t.LastStatus == "PENDING"))
        {
            Stop(task, $"Scaling activity initiated by (deployment {failed.Id})");
        }

        if (!service.CircuitBreakerRollback || service.LastCompleted is not { } good)
        {
            return failed;
        }

        var rollback = NewDeployment(service, good.TaskDefinitionArn, $"ECS deployment circuit breaker: rolling back to deploymentId {good.DeploymentId}.");
        AddEvent(service, $"(service {service.Name}) (deployment {failed.Id}) deployment failed: rolling back to deployment {good.DeploymentId}.");
        return rollback;
    }

    private void Complete(ServiceState service, DeploymentState deployment)
    {
        deployment.RolloutState = "COMPLETED";
        deployment.RolloutStateReason = $"ECS deployment {deployment.Id} completed.";
        deployment.UpdatedAt = Now;
        service.LastCompleted = (deployment.Id, deployment.TaskDefinitionArn);
        AddEvent(service, $"(service {service.Name}) (deployment {deployment.Id}) deployment completed.");
    }

    private TaskState Launch(ServiceState service, DeploymentState deployment, TaskDefinitionState definition)
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var task = new TaskState($"arn:aws:ecs:{Region}:{AccountId}:task/{service.Cluster}/{id}", service.Cluster, service.Name, deployment.Id, definition.Arn, Now, _round);
        foreach (var container in definition.Containers)
        {
            var name = container["name"]!.GetValue<string>();
            var options = container["logConfiguration"]?["logDriver"]?.GetValue<string>() == "awslogs" ? container["logConfiguration"]!["options"] : null;
            var group = options?["awslogs-group"]?.GetValue<string>();
            var prefix = options?["awslogs-stream-prefix"]?.GetValue<string>();
            task.Containers.Add(new ContainerState(name, container["image"]!.GetValue<string>(),
                $"arn:aws:ecs:{Region}:{AccountId}:container/{service.Cluster}/{id}/{Guid.NewGuid()}",
                group, group is null ? null : prefix is null ? id : $"{prefix}/{name}/{id}"));
        }

        _tasks.Add(task);
        deployment.UpdatedAt = Now;
        return task;
    }

    private void StartTask(TaskState task)
    {
        task.LastStatus = "RUNNING";
        task.StartedAt = Now;
        foreach (var container in task.Containers)
        {
            container.LastStatus = "RUNNING";
            WriteLog(container, $"{container.Name} starting {container.Image}");
            WriteLog(container, $"{container.Name} listening on :8080");
        }
    }

    private void FailTask(ServiceState service, TaskState task)
    {
        foreach (var container in task.Containers)
        {
            var bad = _badImages.Contains(container.Image);
            WriteLog(container, $"{container.Name} starting {container.Image}");
            if (bad)
            {
                WriteLog(container, $"fatal: {container.Name} exited with code 1 before becoming healthy");
            }

            container.LastStatus = "STOPPED";
            container.ExitCode = bad ? 1 : 0;
        }

        task.DesiredStatus = "STOPPED";
        task.LastStatus = "STOPPED";
        task.StoppedAt = Now;
        task.StopCode = "EssentialContainerExited";
        task.StoppedReason = "Essential container in task exited";
        if (service.Deployments.FirstOrDefault(d => d.Id == task.DeploymentId) is { } deployment)
        {
            deployment.FailedTasks++;
            deployment.UpdatedAt = Now;
        }
    }

    private void Stop(TaskState task, string reason)
    {
        task.DesiredStatus = "STOPPED";
        task.LastStatus = "STOPPED";
        task.StoppedAt = Now;
        task.StopCode = "ServiceSchedulerInitiated";
        task.StoppedReason = reason;
        foreach (var container in task.Containers)
        {
            if (container.LastStatus == "RUNNING")
            {
                WriteLog(container, $"{container.Name} received SIGTERM, shutting down");
                container.ExitCode = 0;
            }

            container.LastStatus = "STOPPED";
        }
    }

    /// <summary>Stopped tasks stay visible for a while, as in ECS; here the newest 100 per service.</summary>
    private void Prune(ServiceState service)
    {
        var stopped = _tasks.Where(t => t.Cluster == service.Cluster && t.Service == service.Name && t.LastStatus == "STOPPED").ToList();
        foreach (var old in stopped.Take(Math.Max(0, stopped.Count - 100)))
        {
            _tasks.Remove(old);
        }
    }

    private void AddEvent(ServiceState service, string message)
    {
        service.Events.Insert(0, new ServiceEventState(Guid.NewGuid().ToString(), Now, message));
        if (service.Events.Count > 100)
        {
            service.Events.RemoveAt(service.Events.Count - 1);
        }
    }
}
