terraform {
  required_version = ">= 1.6"
  required_providers {
    digitalocean = {
      source  = "digitalocean/digitalocean"
      version = "~> 2.40"
    }
  }
}

provider "digitalocean" {
  # Token from DIGITALOCEAN_TOKEN; Spaces keys from SPACES_ACCESS_KEY_ID / SPACES_SECRET_ACCESS_KEY.
}
