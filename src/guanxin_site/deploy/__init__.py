"""`guanxin-site deploy`: publish the built site to object storage, an SFTP server or an FTP host.

The seam for callers (the CLI, the editor's desk):

    from guanxin_site.deploy import deploy_site, configured_targets, DeployError, DeployReport

Modules: base (the Target interface, DeployError), targets (address -> target class, a table
by scheme), s3 / sftp / ftp (the protocols), headers (Content-Type and Cache-Control tables),
plan (the built site against the remote record, the upload order), remote (our manifest and
progress records on the target), engine (deploy_site), settings (site.yaml's `deploy:`).
"""
from guanxin_site.deploy.base import PASSWORD_HINT, PASSWORD_VARIABLE, DeployError, PasswordNeeded
from guanxin_site.deploy.engine import DEFAULT_MAX_DELETES, DELETE, UPLOAD, DeployReport, deploy_site
from guanxin_site.deploy.settings import DEFAULT_NAME, configured_targets

__all__ = ["DEFAULT_MAX_DELETES", "DEFAULT_NAME", "DELETE", "PASSWORD_HINT", "PASSWORD_VARIABLE", "UPLOAD", "DeployError", "DeployReport",
           "PasswordNeeded", "configured_targets", "deploy_site"]
