namespace Portal.Testing;
