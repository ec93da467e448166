// Rapid Review on Azure: the Azure Bot (single tenant) with its Teams channel, a Linux App
// Service running the container image built from deploy/Dockerfile, and Azure Database for
// PostgreSQL flexible server. Deploy into an existing resource group:
//
//   az deployment group create -g <resource-group> -f deploy/azure/main.bicep \
//     -p msaAppId=<app id> msaAppPassword=<client secret> containerImage=<registry>/rapid-review:<tag> \
//        postgresAdminPassword=<password> dataKeys=<python -m bot keys new>
//
// The app registration itself is made beforehand (single tenant; see deploy/README.md), so its
// client secret never passes through anything but this deployment's secure parameters.
//
// Why a container rather than App Service's built-in Python runtime: the image is the same one
// that is built and checked elsewhere, runs as a non-root user, applies the migrations before
// the server starts (deploy/docker/entrypoint.sh) and carries its own health check; the Python
// runtime would build the app on the server (Oryx) and need a separate startup command.

targetScope = 'resourceGroup'

@description('Prefix of every resource name (lowercase letters, digits and hyphens).')
@minLength(3)
@maxLength(20)
param namePrefix string = 'rapid-review'

@description('Region of the App Service and the database (the Azure Bot itself is global).')
param location string = resourceGroup().location

@description('Name of the web app; it makes the messaging endpoint https://<name>.azurewebsites.net/api/messages.')
@minLength(2)
@maxLength(60)
param webAppName string = '${namePrefix}-${uniqueString(resourceGroup().id)}'

@description('Display name of the bot.')
param botDisplayName string = 'Rapid Review'

@description('Pricing tier of the Azure Bot. Teams is a standard channel: free on F0.')
@allowed([
  'F0'
  'S1'
])
param botSku string = 'F0'

@description('Application (client) id of the bot\'s Microsoft Entra app registration (single tenant).')
param msaAppId string

@description('Directory (tenant) id of the app registration; by default the tenant of this deployment.')
param msaAppTenantId string = tenant().tenantId

@description('A client secret of the app registration.')
@secure()
param msaAppPassword string

@description('DATA_KEYS: the keys that encrypt the referrals and returns at rest, newest first, comma-separated (`python -m bot keys new`). Keep a copy apart from the database backups: without it they cannot be read.')
@secure()
param dataKeys string

@description('The container image to run, e.g. contoso.azurecr.io/rapid-review:0.1.0 (built from deploy/Dockerfile).')
param containerImage string

@description('Registry of a private image, e.g. https://contoso.azurecr.io; leave empty for a public image.')
param containerRegistryUrl string = ''

@description('User name for the private registry (ignored when containerRegistryUrl is empty).')
param containerRegistryUsername string = ''

@description('Password for the private registry (ignored when containerRegistryUrl is empty).')
@secure()
param containerRegistryPassword string = ''

@description('The partnership profile (review/profiles/<name>.toml).')
@allowed([
  'stockport'
  'halton'
])
param partnershipProfile string = 'stockport'

@description('Log level of the bot.')
@allowed([
  'DEBUG'
  'INFO'
  'WARNING'
  'ERROR'
])
param logLevel string = 'INFO'

@description('Extra service URL prefixes the bot may reply to, comma-separated; Teams\' own hosts are always allowed.')
param serviceUrlAllowList string = ''

@description('Extra hosts the bot may upload 1:1 files to and download them from, comma-separated (*.example.org for subdomains); OneDrive and SharePoint hosts are always allowed.')
param fileHostAllowList string = ''

@description('Seconds between reminder sweeps on each instance.')
@minValue(5)
param reminderSweepSeconds int = 30

@description('App Service plan (Linux) pricing tier. B1 is enough to try it; P0v3 or larger for production.')
@allowed([
  'B1'
  'B2'
  'B3'
  'S1'
  'S2'
  'S3'
  'P0v3'
  'P1v3'
  'P2v3'
  'P3v3'
])
param appServiceSku string = 'P0v3'

@description('Number of instances of the web app. Every instance sweeps the reminders outbox; rows are claimed once.')
@minValue(1)
@maxValue(10)
param instanceCount int = 1

@description('Administrator login of the PostgreSQL server (not azure_superuser, admin, administrator, root, guest or public).')
param postgresAdminLogin string = 'rapidreview'

@description('Administrator password of the PostgreSQL server.')
@secure()
@minLength(12)
param postgresAdminPassword string

@description('PostgreSQL major version.')
@allowed([
  '14'
  '15'
  '16'
])
param postgresVersion string = '16'

@description('Compute size of the PostgreSQL server, e.g. Standard_B1ms (Burstable) or Standard_D2ds_v5 (GeneralPurpose).')
param postgresSkuName string = 'Standard_B1ms'

@description('Compute tier matching postgresSkuName.')
@allowed([
  'Burstable'
  'GeneralPurpose'
  'MemoryOptimized'
])
param postgresSkuTier string = 'Burstable'

@description('Storage of the PostgreSQL server in GiB (it grows automatically).')
param postgresStorageSizeGB int = 32

@description('Days of point-in-time restore the PostgreSQL server keeps (7 to 35).')
@minValue(7)
@maxValue(35)
param postgresBackupRetentionDays int = 35

@description('Geo-redundant backups (only where the region has a pair; cannot be changed after creation).')
@allowed([
  'Disabled'
  'Enabled'
])
param postgresGeoRedundantBackup string = 'Disabled'

@description('Name of the application database.')
param databaseName string = 'rapid_review'

@description('Tags on every resource.')
param tags object = {
  application: 'rapid-review'
}

var suffix = uniqueString(resourceGroup().id)
var planName = '${namePrefix}-plan-${suffix}'
var postgresServerName = '${namePrefix}-pg-${suffix}'
var botName = '${namePrefix}-bot-${suffix}'
var appPort = '8000'

// --- database ---------------------------------------------------------------------------

resource postgres 'Microsoft.DBforPostgreSQL/flexibleServers@2024-08-01' = {
  name: postgresServerName
  location: location
  tags: tags
  sku: {
    name: postgresSkuName
    tier: postgresSkuTier
  }
  properties: {
    version: postgresVersion
    administratorLogin: postgresAdminLogin
    administratorLoginPassword: postgresAdminPassword
    authConfig: {
      activeDirectoryAuth: 'Disabled'
      passwordAuth: 'Enabled'
    }
    storage: {
      storageSizeGB: postgresStorageSizeGB
      autoGrow: 'Enabled'
    }
    backup: {
      backupRetentionDays: postgresBackupRetentionDays
      geoRedundantBackup: postgresGeoRedundantBackup
    }
    highAvailability: {
      mode: 'Disabled'
    }
    network: {
      publicNetworkAccess: 'Enabled'
    }
  }
}

resource database 'Microsoft.DBforPostgreSQL/flexibleServers/databases@2024-08-01' = {
  parent: postgres
  name: databaseName
  properties: {
    charset: 'UTF8'
    collation: 'en_US.utf8'
  }
}

// 0.0.0.0 to 0.0.0.0 is Azure's rule for "allow Azure services": App Service's outbound
// addresses are Azure addresses. Created after the database: the server takes one change at
// a time.
resource allowAzureServices 'Microsoft.DBforPostgreSQL/flexibleServers/firewallRules@2024-08-01' = {
  parent: postgres
  name: 'AllowAllAzureServicesAndResourcesWithinAzureIps'
  properties: {
    startIpAddress: '0.0.0.0'
    endIpAddress: '0.0.0.0'
  }
  dependsOn: [
    database
  ]
}

// asyncpg takes ssl=require in the URL (it rejects libpq's sslmode); the app adds the
// asyncpg driver to a postgresql:// URL itself.
var databaseUrl = 'postgresql://${uriComponent(postgresAdminLogin)}:${uriComponent(postgresAdminPassword)}@${postgres.properties.fullyQualifiedDomainName}:5432/${databaseName}?ssl=require'

// --- web app ------------------------------------------------------------------------------

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'linux'
  sku: {
    name: appServiceSku
    capacity: instanceCount
  }
  properties: {
    reserved: true
  }
}

// Every setting the app reads (bot/settings.py), except two that production must not have.
// Not set in production: OPENID_METADATA_URL, RAPID_REVIEW_CLOCK_START
// (the first points the token check at a local stub in the tests; the second moves the clock
// for local demos, and the app refuses it when MicrosoftAppId is set).
var appSettings = [
  {
    name: 'MicrosoftAppId'
    value: msaAppId
  }
  {
    name: 'MicrosoftAppPassword'
    value: msaAppPassword
  }
  {
    name: 'MicrosoftAppType'
    value: 'SingleTenant'
  }
  {
    name: 'MicrosoftAppTenantId'
    value: msaAppTenantId
  }
  {
    name: 'DATABASE_URL'
    value: databaseUrl
  }
  {
    name: 'PARTNERSHIP_PROFILE'
    value: partnershipProfile
  }
  {
    name: 'HOST'
    value: '0.0.0.0'
  }
  {
    name: 'PORT'
    value: appPort
  }
  {
    name: 'LOG_LEVEL'
    value: logLevel
  }
  {
    name: 'SERVICE_URL_ALLOW_LIST'
    value: serviceUrlAllowList
  }
  {
    name: 'FILE_HOST_ALLOW_LIST'
    value: fileHostAllowList
  }
  {
    name: 'REMINDER_SWEEP_SECONDS'
    value: string(reminderSweepSeconds)
  }
  {
    // Teams allows a bot 50 sends a second per tenant: each instance keeps its share.
    name: 'TEAMS_TENANT_SENDS_PER_SECOND'
    value: string(max(1, 50 / instanceCount))
  }
  {
    name: 'DATA_KEYS'
    value: dataKeys
  }
  {
    name: 'WEBSITES_PORT'
    value: appPort
  }
  {
    name: 'WEBSITES_ENABLE_APP_SERVICE_STORAGE'
    value: 'false'
  }
  {
    name: 'WEBSITES_CONTAINER_START_TIME_LIMIT'
    value: '600'
  }
]

var registrySettings = empty(containerRegistryUrl) ? [] : [
  {
    name: 'DOCKER_REGISTRY_SERVER_URL'
    value: containerRegistryUrl
  }
  {
    name: 'DOCKER_REGISTRY_SERVER_USERNAME'
    value: containerRegistryUsername
  }
  {
    name: 'DOCKER_REGISTRY_SERVER_PASSWORD'
    value: containerRegistryPassword
  }
]

resource web 'Microsoft.Web/sites@2023-12-01' = {
  name: webAppName
  location: location
  tags: tags
  kind: 'app,linux,container'
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    siteConfig: {
      linuxFxVersion: 'DOCKER|${containerImage}'
      alwaysOn: true
      healthCheckPath: '/healthz'
      http20Enabled: true
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
      appSettings: concat(appSettings, registrySettings)
    }
  }
  dependsOn: [
    allowAzureServices
  ]
}

// The container's stdout (the bot's JSON log lines) in App Service's log stream.
resource webLogs 'Microsoft.Web/sites/config@2023-12-01' = {
  parent: web
  name: 'logs'
  properties: {
    applicationLogs: {
      fileSystem: {
        level: 'Information'
      }
    }
    httpLogs: {
      fileSystem: {
        enabled: true
        retentionInDays: 7
        retentionInMb: 35
      }
    }
  }
}

var messagingEndpoint = 'https://${web.properties.defaultHostName}/api/messages'

// --- the Azure Bot --------------------------------------------------------------------------

resource bot 'Microsoft.BotService/botServices@2022-09-15' = {
  name: botName
  location: 'global'
  tags: tags
  kind: 'azurebot'
  sku: {
    name: botSku
  }
  properties: {
    displayName: botDisplayName
    endpoint: messagingEndpoint
    msaAppId: msaAppId
    msaAppType: 'SingleTenant'
    msaAppTenantId: msaAppTenantId
    publicNetworkAccess: 'Enabled'
  }
}

resource teamsChannel 'Microsoft.BotService/botServices/channels@2022-09-15' = {
  parent: bot
  name: 'MsTeamsChannel'
  location: 'global'
  properties: {
    channelName: 'MsTeamsChannel'
    properties: {
      isEnabled: true
    }
  }
}

@description('The bot\'s messaging endpoint, as set on the Azure Bot.')
output messagingEndpoint string = messagingEndpoint

@description('Name of the web app (for az webapp commands).')
output webAppName string = web.name

@description('Name of the Azure Bot resource.')
output botName string = bot.name

@description('Host name of the PostgreSQL server.')
output postgresServerFqdn string = postgres.properties.fullyQualifiedDomainName

@description('Name of the application database.')
output databaseName string = database.name
