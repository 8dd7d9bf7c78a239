namespace Portal.Provisioning;
