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
  description = "Kubernetes minor release to track, as \"1.N.\" (its latest patch is used). Must be one DigitalOcean still supports: `doctl kubernetes options versions`."
  type        = string
  default     = "1.35."

  validation {
    condition     = can(regex("^1\\.[0-9]+\\.$", var.kubernetes_version_prefix))
    error_message = "kubernetes_version_prefix is a minor release such as \"1.35.\" (with the trailing dot)."
  }
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
  description = "Largest worker pool (autoscaling). At least the image service's replica ceiling (12): each replica wants a node's 2 cores."
  type        = number
  default     = 14

  validation {
    condition     = var.node_count_max >= 1 && var.node_count_max <= 100
    error_message = "node_count_max is between 1 and 100."
  }
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
