from wizard.secretscan.cli import secrets_command

secrets_command(prog_name="launch-ready secrets")
