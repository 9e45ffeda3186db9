# The services verify the database against its CA (mounted from the Secret
# picsum-database-ca at /etc/picsum/ca/ca.crt) and its host name.
locals {
  verify_database = "sslmode=verify-full&sslrootcert=/etc/picsum/ca/ca.crt"
}

data "digitalocean_database_ca" "postgres" {
  cluster_id = digitalocean_database_cluster.postgres.id
}

output "kubeconfig" {
  description = "kubectl configuration of the cluster."
  value       = digitalocean_kubernetes_cluster.main.kube_config[0].raw_config
  sensitive   = true
}

output "registry_endpoint" {
  description = "Push images here (docker tag … <endpoint>/picsum-api:<version>)."
  value       = digitalocean_container_registry.main.endpoint
}

output "database_url" {
  description = "PICSUM_DATABASE_URL: the catalog's transaction-mode pool (add statement-cache-capacity=0)."
  value       = "${replace(digitalocean_database_connection_pool.catalog.private_uri, "sslmode=require", local.verify_database)}&statement-cache-capacity=0"
  sensitive   = true
}

output "database_direct_url" {
  description = "PICSUM_DATABASE_DIRECT_URL: the catalog database itself, for migrations."
  value = format(
    "postgresql://%s:%s@%s:%d/%s?%s",
    digitalocean_database_user.picsum.name,
    digitalocean_database_user.picsum.password,
    digitalocean_database_cluster.postgres.private_host,
    digitalocean_database_cluster.postgres.port,
    digitalocean_database_db.catalog.name,
    local.verify_database,
  )
  sensitive = true
}

output "database_ca" {
  description = "The catalog database's CA certificate: the Secret picsum-database-ca, key ca.crt."
  value       = data.digitalocean_database_ca.postgres.certificate
}

output "cache_url" {
  description = "IMAGE_CACHE_URL: the managed Redis (TLS)."
  value       = digitalocean_database_cluster.redis.private_uri
  sensitive   = true
}

output "keys_url" {
  description = "IMAGE_KEYS_URL: the API keys' managed Redis (TLS, noeviction)."
  value       = digitalocean_database_cluster.keys.private_uri
  sensitive   = true
}

output "storage_url" {
  description = "IMAGE_STORAGE_URL."
  value       = "s3://${digitalocean_spaces_bucket.photos.name}/originals"
}

output "storage_endpoint" {
  description = "AWS_ENDPOINT_URL for the Spaces bucket."
  value       = "https://${var.region}.digitaloceanspaces.com"
}
