namespace Portal.Core.Data;

/// <summary>
/// The database has migrations applied that this build of the portal doesn't know: it was made or upgraded by
/// another build (a newer release, or a development build). Migrating it would fail half-way or lose data, so the
/// portal refuses to start on it and says why.
/// </summary>
public sealed class UnknownSchemaException(string message) : Exception(message);
