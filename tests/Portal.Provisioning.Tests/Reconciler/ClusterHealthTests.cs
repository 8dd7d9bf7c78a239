using k8s.Models;
using Portal.Core.Clusters;
using Portal.Provisioning.Reconciler;
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

    [Fact]
    public void Every_deployment_ready_is_running()
    {
        var assessment = ClusterHealth.Assess(Etl, Observed(AllReady), wasRunning: false);

        Assert.Equal((ClusterPhase.Running, "Ready", 2), (assessment.Phase, assessment.Reason, assessment.ReadyWorkers));
    }

    [Fact]
    public void Workers_still_starting_is_starting()
    {
        var assessment = ClusterHealth.Assess(Etl, Observed([Deployment("etl-master", 1, 1), Deployment("etl-worker", 2, 1)]), wasRunning: false);

        Assert.Equal(ClusterPhase.Starting, assessment.Phase);
    }

    [Fact]
    public void A_running_cluster_scaling_up_stays_running()
    {
        var assessment = ClusterHealth.Assess(Etl, Observed([Deployment("etl-master", 1, 1), Deployment("etl-worker", 2, 1)]), wasRunning: true);

        Assert.Equal((ClusterPhase.Running, "Scaling"), (assessment.Phase, assessment.Reason));
    }

    [Fact]
    public void A_cluster_with_spark_connect_waits_for_it()
    {
        var withConnect = ASparkCluster().Named("etl").WithWorkers(2).Build().WithSparkConnect();

        var assessment = ClusterHealth.Assess(withConnect, Observed([.. AllReady, Deployment("etl-connect", 1, 0)]), wasRunning: false);

        Assert.Equal(ClusterPhase.Starting, assessment.Phase);
    }

    [Theory]
    [InlineData("ImagePullBackOff", "ImagePullBackOff")]
    [InlineData("ErrImagePull", "ImagePullBackOff")]
    [InlineData("CrashLoopBackOff", "CrashLoopBackOff")]
    public void A_container_stuck_waiting_fails_the_cluster_with_the_reason(string waiting, string reason)
    {
        var assessment = ClusterHealth.Assess(Etl, Observed(AllReady, [PodWaiting(waiting)]), wasRunning: true);

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

        var assessment = ClusterHealth.Assess(Etl, Observed(AllReady, [pod]), wasRunning: false);

        Assert.Equal((ClusterPhase.Failed, "Unschedulable"), (assessment.Phase, assessment.Reason));
    }

    [Fact]
    public void A_failed_create_over_quota_fails_the_cluster_as_exceeded_quota()
    {
        var shortOfPods = Deployment("etl-worker", 2, 0, created: 0);
        var refused = new Corev1Event { Reason = "FailedCreate", Message = "Error creating: pods \"etl-worker-x\" is forbidden: exceeded quota: spark-portal-quota" };

        var assessment = ClusterHealth.Assess(Etl, Observed([Deployment("etl-master", 1, 1), shortOfPods], events: [refused]), wasRunning: false);

        Assert.Equal((ClusterPhase.Failed, "ExceededQuota"), (assessment.Phase, assessment.Reason));
    }

    [Fact]
    public void An_old_failed_create_does_not_fail_a_cluster_that_has_all_its_pods()
    {
        var stale = new Corev1Event { Reason = "FailedCreate", Message = "exceeded quota" };

        var assessment = ClusterHealth.Assess(Etl, Observed(AllReady, events: [stale]), wasRunning: false);

        Assert.Equal(ClusterPhase.Running, assessment.Phase);
    }

    [Fact]
    public void The_latest_failed_create_gives_the_reason()
    {
        var older = new Corev1Event { Reason = "FailedCreate", Message = "Error creating: admission webhook denied", LastTimestamp = new DateTime(2026, 11, 25, 8, 0, 0, DateTimeKind.Utc) };
        var newer = new Corev1Event { Reason = "FailedCreate", Message = "Error creating: exceeded quota", LastTimestamp = new DateTime(2026, 11, 25, 9, 0, 0, DateTimeKind.Utc) };

        var assessment = ClusterHealth.Assess(Etl, Observed([Deployment("etl-master", 1, 1), Deployment("etl-worker", 2, 0, created: 0)], events: [older, newer]), wasRunning: false);

        Assert.Equal("ExceededQuota", assessment.Reason);
    }
}
