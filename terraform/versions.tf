terraform {
  required_version = ">= 1.6.3"
  required_providers {
    digitalocean = {
      source  = "digitalocean/digitalocean"
      version = "~> 2.40"
    }
  }

  # State lives in a Spaces bucket, not on the operator's disk: it holds the database
  # passwords. The bucket, key and endpoint come from a backend file
  # (`terraform init -backend-config=backend.hcl`, see backend.hcl.example) and the Spaces
  # keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, so neither is written here.
  # The settings below switch off the AWS-only checks Spaces cannot answer.
  backend "s3" {
    region                      = "us-east-1"
    skip_credentials_validation = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
    skip_s3_checksum            = true
  }
}

provider "digitalocean" {
  # Token from DIGITALOCEAN_TOKEN; Spaces keys from SPACES_ACCESS_KEY_ID / SPACES_SECRET_ACCESS_KEY.
}
