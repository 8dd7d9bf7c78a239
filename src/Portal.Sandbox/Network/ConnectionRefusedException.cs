namespace Portal.Sandbox.Network;

/// <summary>Nothing listens on the pod's port (or the pod isn't up): what a TCP dial would report as ECONNREFUSED.</summary>
public sealed class ConnectionRefusedException(string message) : IOException(message);
