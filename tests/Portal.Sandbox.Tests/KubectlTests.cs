namespace Portal.Sandbox.Tests;

/// <summary>The real kubectl 1.32 against the sandbox: discovery, tables, apply (client- and server-side), delete.</summary>
public sealed class KubectlTests : SandboxTest
{
    const string Manifest = """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: shop
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: shop
        spec:
          replicas: 2
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: app
                image: nginx:1.27
                ports: [{containerPort: 80}]
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web
          namespace: shop
        spec:
          selector: {app: web}
          ports: [{port: 80, targetPort: 80}]
        ---
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: settings
          namespace: shop
        data:
          mode: fast
        """;

    readonly Kubectl _kubectl = new();

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        await Sandbox.WriteKubeconfigAsync(_kubectl.KubeconfigPath, Ct);
    }

    public override async ValueTask DisposeAsync()
    {
        _kubectl.Dispose();
        await base.DisposeAsync();
    }

    [Fact]
    public async Task Kubectl_apply_creates_every_object_of_a_manifest()
    {
        var output = await _kubectl.Ok("apply -f -", Manifest);

        Assert.Equal(["namespace/shop created", "deployment.apps/web created", "service/web created", "configmap/settings created"], output.Trim().Split('\n'));
    }

    [Fact]
    public async Task Kubectl_apply_of_a_changed_manifest_configures_only_what_changed()
    {
        await _kubectl.Ok("apply -f -", Manifest);

        var output = await _kubectl.Ok("apply -f -", Manifest.Replace("replicas: 2", "replicas: 3", StringComparison.Ordinal));

        Assert.Equal(["namespace/shop unchanged", "deployment.apps/web configured", "service/web unchanged", "configmap/settings unchanged"], output.Trim().Split('\n'));
    }

    [Fact]
    public async Task Kubectl_server_side_apply_works_and_is_idempotent()
    {
        await _kubectl.Ok("apply --server-side -f -", Manifest);
        // Let the controllers settle first: status writes change resourceVersion, as in a real cluster.
        await Eventually(async () => (await _kubectl.Ok("get deployment web -n shop -o jsonpath={.status.readyReplicas}")) == "2", "the deployment is ready");
        var before = await _kubectl.Ok("get deployment web -n shop -o jsonpath={.metadata.resourceVersion}/{.metadata.generation}");

        var output = await _kubectl.Ok("apply --server-side -f -", Manifest);

        Assert.Contains("deployment.apps/web serverside-applied", output, StringComparison.Ordinal);
        Assert.Equal(before, await _kubectl.Ok("get deployment web -n shop -o jsonpath={.metadata.resourceVersion}/{.metadata.generation}"));
    }

    [Fact]
    public async Task Kubectl_get_prints_server_side_tables()
    {
        await _kubectl.Ok("apply -f -", Manifest);
        await Eventually(async () => (await _kubectl.Ok("get deployment web -n shop -o jsonpath={.status.readyReplicas}")) == "2", "the deployment is ready");

        var output = await _kubectl.Ok("get pods -n shop");

        var lines = output.Trim().Split('\n');
        Assert.Matches("^NAME +READY +STATUS +RESTARTS +AGE$", lines[0]);
        Assert.All(lines[1..], line => Assert.Matches("^web-[a-z0-9]+-[a-z0-9]{5} +1/1 +Running +0 +", line));
    }

    [Fact]
    public async Task Kubectl_logs_of_a_running_pod_says_it_is_simulated()
    {
        await _kubectl.Ok("apply -f -", Manifest);
        await Eventually(async () => (await _kubectl.Ok("get deployment web -n shop -o jsonpath={.status.readyReplicas}")) == "2", "the deployment is ready");

        var log = await _kubectl.Ok("logs deployment/web -n shop");

        Assert.Contains("[sandbox] container app started from nginx:1.27", log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_get_o_yaml_prints_the_object()
    {
        await _kubectl.Ok("apply -f -", Manifest);

        var yaml = await _kubectl.Ok("get configmap settings -n shop -o yaml");

        Assert.Contains("mode: fast", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_scale_changes_the_replica_count()
    {
        await _kubectl.Ok("apply -f -", Manifest);

        await _kubectl.Ok("scale deployment web -n shop --replicas=4");

        Assert.Equal("4", await _kubectl.Ok("get deployment web -n shop -o jsonpath={.spec.replicas}"));
    }

    [Fact]
    public async Task Kubectl_delete_removes_objects()
    {
        await _kubectl.Ok("apply -f -", Manifest);

        var output = await _kubectl.Ok("delete deployment/web service/web configmap/settings -n shop");

        Assert.Equal(["deployment.apps \"web\" deleted", "service \"web\" deleted", "configmap \"settings\" deleted"], output.Trim().Split('\n'));
        Assert.Equal("", (await _kubectl.Ok("get deployments,services,configmaps -n shop -o name")).Trim());
    }

    [Fact]
    public async Task Kubectl_delete_of_a_manifest_that_starts_with_its_namespace_deletes_everything()
    {
        await _kubectl.Ok("apply -f -", Manifest);

        var output = await _kubectl.Ok("delete -f -", Manifest);

        Assert.Equal(["namespace \"shop\" deleted", "deployment.apps \"web\" deleted", "service \"web\" deleted", "configmap \"settings\" deleted"], output.Trim().Split('\n'));
    }

    [Fact]
    public async Task Kubectl_rollout_status_and_wait_see_the_deployment_become_available()
    {
        await _kubectl.Ok("apply -f -", Manifest);

        var rollout = await _kubectl.Ok("rollout status deployment/web -n shop --timeout=30s");
        var wait = await _kubectl.Ok("wait --for=condition=Available deployment/web -n shop --timeout=30s");

        Assert.Equal(("deployment \"web\" successfully rolled out", "deployment.apps/web condition met"), (rollout.Trim().Split('\n')[^1], wait.Trim()));
    }

    [Fact]
    public async Task Kubectl_delete_namespace_waits_until_the_namespace_is_gone()
    {
        await _kubectl.Ok("apply -f -", Manifest);

        await _kubectl.Ok("delete namespace shop");

        var (code, _, stderr) = await _kubectl.Run("get namespace shop");
        Assert.Equal((1, "Error from server (NotFound): namespaces \"shop\" not found"), (code, stderr.Trim()));
    }

    [Fact]
    public async Task Kubectl_prints_a_pod_security_warning_for_a_violating_deployment_template()
    {
        await _kubectl.Ok("apply -f -", Manifest);
        await _kubectl.Ok("label namespace shop pod-security.kubernetes.io/enforce=restricted");

        var (code, _, stderr) = await _kubectl.Run("apply -f -", Manifest.Replace("replicas: 2", "replicas: 1", StringComparison.Ordinal));

        Assert.Equal(0, code);
        Assert.Contains("Warning: would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_reports_admission_refusals_verbatim()
    {
        await _kubectl.Ok("apply -f -", Manifest);
        await _kubectl.Ok("label namespace shop pod-security.kubernetes.io/enforce=restricted");

        var (code, _, stderr) = await _kubectl.Run("apply -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: probe, namespace: shop}
            spec:
              containers: [{name: probe, image: busybox:1.36}]
            """);

        Assert.Equal(1, code);
        Assert.Contains("pods \"probe\" is forbidden: violates PodSecurity \"restricted:latest\"", stderr, StringComparison.Ordinal);
    }
}
