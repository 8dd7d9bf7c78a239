using Microsoft.AspNetCore.DataProtection;

namespace Portal.Core.Storage;

/// <summary>
/// Protects object-storage secret keys at rest with ASP.NET Core Data Protection (AES-256-CBC with HMACSHA256 under
/// the portal's key ring, which lives in the portal database and every replica shares). The purpose string isolates
/// these payloads from cookies and tokens: nothing else the portal protects unprotects as a key, or the reverse.
/// </summary>
public sealed class ObjectStoreSecrets(IDataProtectionProvider provider)
{
    const string Purpose = "Portal.Storage.ObjectStoreSecretKey.v1";

    readonly IDataProtector _protector = provider.CreateProtector(Purpose);

    /// <summary>Ciphertext of <paramref name="secretKey"/>, for the database.</summary>
    public string Protect(string secretKey) => _protector.Protect(secretKey);

    /// <summary>The secret key, for the Kubernetes Secret only.</summary>
    public string Unprotect(string protectedSecretKey) => _protector.Unprotect(protectedSecretKey);
}
