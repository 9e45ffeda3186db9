# Production shape: a Kubernetes cluster running the API and image service, originals in
# Spaces (S3 API), the catalog in managed PostgreSQL behind a connection pool, managed Redis
# as the shared cache, and a container registry for the two images.

locals {
  # The image service's HorizontalPodAutoscaler ceiling (kubernetes/base/autoscaling.yaml).
  # Each replica asks for 2 of a node's cores, so the pool must be able to grow to one node
  # per replica; scripts/validate-deploy.sh checks the two numbers agree.
  image_service_max_replicas = 12
}

data "digitalocean_kubernetes_versions" "current" {
  version_prefix = var.kubernetes_version_prefix
}

resource "digitalocean_vpc" "main" {
  name   = "${var.name}-vpc"
  region = var.region
}

resource "digitalocean_kubernetes_cluster" "main" {
  name          = "${var.name}-k8s"
  region        = var.region
  version       = data.digitalocean_kubernetes_versions.current.latest_version
  vpc_uuid      = digitalocean_vpc.main.id
  auto_upgrade  = true
  surge_upgrade = true
  # Nodes pull the two images from the private registry below; without the integration
  # every pod ends in ImagePullBackOff.
  registry_integration = true
  depends_on           = [digitalocean_container_registry.main]

  lifecycle {
    precondition {
      # DigitalOcean lists only the releases it still supports: an end-of-life prefix
      # matches none and stops the plan here instead of at the API.
      condition     = data.digitalocean_kubernetes_versions.current.latest_version != ""
      error_message = "No supported Kubernetes release starts with ${var.kubernetes_version_prefix}: pick one from `doctl kubernetes options versions`."
    }
    precondition {
      condition     = var.node_count_max >= local.image_service_max_replicas
      error_message = "node_count_max (${var.node_count_max}) cannot hold the image service's ${local.image_service_max_replicas} replicas at one per node."
    }
  }

  maintenance_policy {
    day        = "sunday"
    start_time = "03:00"
  }

  node_pool {
    name       = "${var.name}-workers"
    size       = var.node_size
    auto_scale = true
    min_nodes  = var.node_count_min
    max_nodes  = var.node_count_max
  }
}

resource "digitalocean_container_registry" "main" {
  name                   = var.name
  subscription_tier_slug = "basic"
  region                 = var.region
}

resource "digitalocean_container_registry_docker_credentials" "main" {
  registry_name = digitalocean_container_registry.main.name
}

resource "digitalocean_spaces_bucket" "photos" {
  name   = var.bucket_name
  region = var.region
  acl    = "private"

  versioning {
    enabled = true
  }
}

resource "digitalocean_database_cluster" "postgres" {
  name                 = "${var.name}-pg"
  engine               = "pg"
  version              = "16"
  size                 = var.postgres_size
  region               = var.region
  node_count           = 1
  private_network_uuid = digitalocean_vpc.main.id
}

resource "digitalocean_database_db" "catalog" {
  cluster_id = digitalocean_database_cluster.postgres.id
  name       = "picsum"
}

resource "digitalocean_database_user" "picsum" {
  cluster_id = digitalocean_database_cluster.postgres.id
  name       = "picsum"
}

# The API holds few connections, but many replicas and the migration job add up.
resource "digitalocean_database_connection_pool" "catalog" {
  cluster_id = digitalocean_database_cluster.postgres.id
  name       = "picsum-pool"
  mode       = "transaction"
  size       = 20
  db_name    = digitalocean_database_db.catalog.name
  user       = digitalocean_database_user.picsum.name
}

resource "digitalocean_database_firewall" "postgres" {
  cluster_id = digitalocean_database_cluster.postgres.id

  rule {
    type  = "k8s"
    value = digitalocean_kubernetes_cluster.main.id
  }
}

resource "digitalocean_database_cluster" "redis" {
  name                 = "${var.name}-redis"
  engine               = "valkey"
  version              = "8"
  size                 = var.redis_size
  region               = var.region
  node_count           = 1
  private_network_uuid = digitalocean_vpc.main.id
  eviction_policy      = "allkeys_lru"
}

resource "digitalocean_database_firewall" "redis" {
  cluster_id = digitalocean_database_cluster.redis.id

  rule {
    type  = "k8s"
    value = digitalocean_kubernetes_cluster.main.id
  }
}

# The API keys' own store: never evicts, so cache traffic cannot push a key out
# (IMAGE_KEYS_URL; the service keeps keys under picsum:keys:).
resource "digitalocean_database_cluster" "keys" {
  name                 = "${var.name}-keys"
  engine               = "valkey"
  version              = "8"
  size                 = var.keys_redis_size
  region               = var.region
  node_count           = 1
  private_network_uuid = digitalocean_vpc.main.id
  eviction_policy      = "noeviction"
}

resource "digitalocean_database_firewall" "keys" {
  cluster_id = digitalocean_database_cluster.keys.id

  rule {
    type  = "k8s"
    value = digitalocean_kubernetes_cluster.main.id
  }
}
