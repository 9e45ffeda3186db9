variable "name" {
  description = "Prefix of every resource name."
  type        = string
  default     = "picsum"
}

variable "region" {
  description = "DigitalOcean region of the cluster, databases and bucket."
  type        = string
  default     = "ams3"
}

variable "kubernetes_version_prefix" {
  description = "Kubernetes minor version to track (latest patch is used)."
  type        = string
  default     = "1.31."
}

variable "node_size" {
  description = "Droplet size of the worker nodes (image-service pods want 2 dedicated cores each)."
  type        = string
  default     = "s-4vcpu-8gb"
}

variable "node_count_min" {
  description = "Smallest worker pool (autoscaling)."
  type        = number
  default     = 3
}

variable "node_count_max" {
  description = "Largest worker pool (autoscaling)."
  type        = number
  default     = 6
}

variable "bucket_name" {
  description = "Spaces bucket holding the originals and their pre-sized variants."
  type        = string
}

variable "postgres_size" {
  description = "Managed PostgreSQL node size."
  type        = string
  default     = "db-s-1vcpu-2gb"
}

variable "keys_redis_size" {
  description = "Managed Redis node size for the API keys (small: keys only, never evicted)."
  type        = string
  default     = "db-s-1vcpu-1gb"
}

variable "redis_size" {
  description = "Managed Redis node size (the shared image cache)."
  type        = string
  default     = "db-s-1vcpu-2gb"
}
