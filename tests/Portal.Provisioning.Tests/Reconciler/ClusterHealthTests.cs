using k8s.Models;
using Portal.Core.Clusters;
using Portal.Provisioning.Reconciler;
using Portal.Provisioning.Spark;
using static Portal.Testing.Builders;

namespace Portal.Provisioning.Tests.Reconciler;

public class ClusterHealthTests
{
    static readonly Cluster Etl = ASparkCluster().Named("etl").WithWorkers(2).Build();

    static V1Deployment Deployment(string name, int desired, int ready, int? created = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1DeploymentSpec { Replicas = desired },
        Status = new V1DeploymentStatus { Replicas = created ?? desired, ReadyReplicas = ready },
    };

    static V1Pod PodWaiting(string reason) => new()
    {
        Metadata = new V1ObjectMeta { Name = "etl-worker-abc" },
        Status = new V1PodStatus
        {
            ContainerStatuses = [new V1ContainerStatus { Name = "worker", Image = "apache/spark:nope", State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason } } }],
        },
    };

    static ObservedCluster Observed(IEnumerable<V1Deployment> deployments, IEnumerable<V1Pod>? pods = null, IEnumerable<Corev1Event>? events = null) =>
        new([.. deployments], [.. pods ?? []], [.. events ?? []]);

    static readonly V1Deployment[] AllReady = [Deployment("etl-master", 1, 1), Deployment("etl-worker", 2, 2)];

    // What an ALIVE master reports with this many workers registered, and optionally a Connect server's application.
    static SparkObservation Spark(int registered, string? connectApp = null) => new(
        new SparkMasterState
        {
            Status = "ALIVE",
            AliveWorkers = registered,
            Workers = [.. Enumerable.Range(0, registered).Select(i => new SparkWorkerInfo { Id = $"worker-{i}", State = "ALIVE", Cores = 1 })],
            ActiveApps = connectApp is null ? [] : [new SparkApplicationInfo { Id = connectApp, Name = "Spark Connect server", State = "RUNNING" }],
        },
        connectApp is null ? null : new SparkDriverApplication { Id = connectApp, Name = "Spark Connect server" },
        []);

    [Fact]
    public void Every_deployment_ready_is_running()
    {
        var assessment = ClusterHealth.Assess(Etl, Observed(AllReady), Spark(registered: 2), wasRunning: false);

        Assert.Equal((ClusterPhase.Running, "Ready", 2), (assessment.Phase, assessment.Reason, assessment.ReadyWorkers));
    }

    [Fact]
    public void Worker_pods_ready_but_not_registered_with_the_master_is_starting()
    {
        var assessment = ClusterHealth.Assess(Etl, Observed(AllReady), Spark(registered: 1), wasRunning: false);

        Assert.Equal((ClusterPhase.Starting, "WaitingForSpark", 2, 1), (assessment.Phase, assessment.Reason, assessment.ReadyWorkers, assessment.RegisteredWorkers));
    }

    [Fact]
    public void A_master_pod_whose_spark_does_not_answer_is_starting()
    {
        var assessment = ClusterHealth.Assess(Etl, Observed(AllReady), SparkObservation.None, wasRunning: false);

        Assert.Equal((ClusterPhase.Starting, "WaitingForSpark"), (assessment.Phase, assessment.Reason));
    }

    [Fact]
    public void A_connect_server_registered_with_the_master_makes_the_cluster_running()
    {
        var withConnect = ASparkCluster().Named("etl").WithWorkers(2).Build().WithSparkConnect();

        var assessment = ClusterHealth.Assess(withConnect, Observed([.. AllReady, Deployment("etl-connect", 1, 1)]), Spark(registered: 2, connectApp: "app-20261202101010-0000"), wasRunning: false);

        Assert.Equal((ClusterPhase.Running, "Ready"), (assessment.Phase, assessment.Reason));
    }

    [Fact]
    public void A_connect_pod_ready_before_its_application_registers_is_starting()
    {
        var withConnect = ASparkCluster().Named("etl").WithWorkers(2).Build().WithSparkConnect();

        var assessment = ClusterHealth.Assess(withConnect, Observed([.. AllReady, Deployment("etl-connect", 1, 1)]), Spark(registered: 2), wasRunning: false);

        Assert.Equal((ClusterPhase.Starting, "WaitingForSpark"), (assessment.Phase, assessment.Reason));
    }

    [Fact]
    public void Workers_still_starting_is_starting()
    {
        var assessment = ClusterHealth.Assess(Etl, Observed([Deployment("etl-master", 1, 1), Deployment("etl-worker", 2, 1)]), Spark(registered: 2), wasRunning: false);

        Assert.Equal(ClusterPhase.Starting, assessment.Phase);
    }

    [Fact]
    public void A_running_cluster_scaling_up_stays_running()
    {
        var assessment = ClusterHealth.Assess(Etl, Observed([Deployment("etl-master", 1, 1), Deployment("etl-worker", 2, 1)]), Spark(registered: 2), wasRunning: true);

        Assert.Equal((ClusterPhase.Running, "Scaling"), (assessment.Phase, assessment.Reason));
    }

    [Fact]
    public void A_cluster_with_spark_connect_waits_for_it()
    {
        var withConnect = ASparkCluster().Named("etl").WithWorkers(2).Build().WithSparkConnect();

        var assessment = ClusterHealth.Assess(withConnect, Observed([.. AllReady, Deployment("etl-connect", 1, 0)]), Spark(registered: 2), wasRunning: false);

        Assert.Equal(ClusterPhase.Starting, assessment.Phase);
    }

    [Theory]
    [InlineData("ImagePullBackOff", "ImagePullBackOff")]
    [InlineData("ErrImagePull", "ImagePullBackOff")]
    [InlineData("CrashLoopBackOff", "CrashLoopBackOff")]
    public void A_container_stuck_waiting_fails_the_cluster_with_the_reason(string waiting, string reason)
    {
        var assessment = ClusterHealth.Assess(Etl, Observed(AllReady, [PodWaiting(waiting)]), Spark(registered: 2), wasRunning: true);

        Assert.Equal((ClusterPhase.Failed, reason), (assessment.Phase, assessment.Reason));
    }

    [Fact]
    public void A_pod_the_scheduler_cannot_place_fails_the_cluster_as_unschedulable()
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "etl-worker-abc" },
            Status = new V1PodStatus { Conditions = [new V1PodCondition { Type = "PodScheduled", Status = "False", Reason = "Unschedulable", Message = "0/3 nodes are available" }] },
        };

        var assessment = ClusterHealth.Assess(Etl, Observed(AllReady, [pod]), Spark(registered: 2), wasRunning: false);

        Assert.Equal((ClusterPhase.Failed, "Unschedulable"), (assessment.Phase, assessment.Reason));
    }

    [Fact]
    public void A_failed_create_over_quota_fails_the_cluster_as_exceeded_quota()
    {
        var shortOfPods = Deployment("etl-worker", 2, 0, created: 0);
        var refused = new Corev1Event { Reason = "FailedCreate", Message = "Error creating: pods \"etl-worker-x\" is forbidden: exceeded quota: spark-portal-quota" };

        var assessment = ClusterHealth.Assess(Etl, Observed([Deployment("etl-master", 1, 1), shortOfPods], events: [refused]), Spark(registered: 2), wasRunning: false);

        Assert.Equal((ClusterPhase.Failed, "ExceededQuota"), (assessment.Phase, assessment.Reason));
    }

    [Fact]
    public void A_pod_refused_for_a_service_account_not_made_yet_is_waited_for()
    {
        var shortOfPods = Deployment("etl-worker", 2, 0, created: 0);
        var refused = new Corev1Event
        {
            Reason = "FailedCreate",
            Message = "Error creating: pods \"etl-worker-x\" is forbidden: error looking up service account spark-a/spark: serviceaccount \"spark\" not found",
        };

        var assessment = ClusterHealth.Assess(Etl, Observed([Deployment("etl-master", 1, 1), shortOfPods], events: [refused]), Spark(registered: 0), wasRunning: false);

        Assert.Equal((ClusterPhase.Starting, "WaitingForPods"), (assessment.Phase, assessment.Reason));
    }

    [Fact]
    public void An_old_failed_create_does_not_fail_a_cluster_that_has_all_its_pods()
    {
        var stale = new Corev1Event { Reason = "FailedCreate", Message = "exceeded quota" };

        var assessment = ClusterHealth.Assess(Etl, Observed(AllReady, events: [stale]), Spark(registered: 2), wasRunning: false);

        Assert.Equal(ClusterPhase.Running, assessment.Phase);
    }

    [Fact]
    public void The_latest_failed_create_gives_the_reason()
    {
        var older = new Corev1Event { Reason = "FailedCreate", Message = "Error creating: admission webhook denied", LastTimestamp = new DateTime(2026, 11, 25, 8, 0, 0, DateTimeKind.Utc) };
        var newer = new Corev1Event { Reason = "FailedCreate", Message = "Error creating: exceeded quota", LastTimestamp = new DateTime(2026, 11, 25, 9, 0, 0, DateTimeKind.Utc) };

        var assessment = ClusterHealth.Assess(Etl, Observed([Deployment("etl-master", 1, 1), Deployment("etl-worker", 2, 0, created: 0)], events: [older, newer]), Spark(registered: 2), wasRunning: false);

        Assert.Equal("ExceededQuota", assessment.Reason);
    }
}
