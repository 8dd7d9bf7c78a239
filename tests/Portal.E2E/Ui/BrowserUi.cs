namespace Portal.E2E.Ui;

/// <summary>
/// The browser test classes run one after another: each starts its own portal, PostgreSQL server and sandbox
/// (<see cref="RunningPortal"/>), and several starting at once beside the other test modules left a 2-core machine
/// unable to start any of them in time.
/// </summary>
[CollectionDefinition(Name)]
public sealed class BrowserUi
{
    public const string Name = "Browser UI";
}
