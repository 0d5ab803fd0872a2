/*
 * The Azure CLI credential: "az account get-access-token" run without a
 * shell.
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cred_priv.h"

extern char **environ;

/* Run argv without a shell from /bin, stdin closed, 10 s limit. */
static int
run_argv(void *arg, const char *const *argv, char *out, size_t len,
    struct fd_error *err)
{
	int pfd[2], status, devnull;
	size_t n = 0, i, ne;
	char **envp;
	pid_t pid;

	(void)arg;
	for (ne = 0; environ[ne] != NULL; ne++)
		;
	envp = calloc(ne + 2, sizeof(*envp));
	if (envp == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	for (i = 0; i < ne; i++)
		envp[i] = environ[i];
	envp[ne] = (char *)"AZURE_CORE_NO_COLOR=true";
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		free(envp);
		return fd_error_set(err, -errno, "pipe: %s", strerror(errno));
	}
	pid = fork();
	if (pid < 0) {
		free(envp);
		close(pfd[0]);
		close(pfd[1]);
		return fd_error_set(err, -errno, "fork: %s", strerror(errno));
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 2);
		}
		dup2(pfd[1], 1);
		if (chdir("/bin") < 0)
			_exit(126);
		execvpe(argv[0], (char *const *)argv, envp);
		_exit(127);
	}
	free(envp);
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		ssize_t k;

		if (poll(&p, 1, 10000) <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		if (n + 1 >= len)
			break;
		k = read(pfd[0], out + n, len - n - 1);
		if (k <= 0)
			break;
		n += (size_t)k;
	}
	out[n] = '\0';
	close(pfd[0]);
	status = 0;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fd_error_set(err, -errno, "waitpid: %s",
			    strerror(errno));
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return fd_error_set(err, -ETIMEDOUT, "%s: killed or timed out",
	    argv[0]);
}

/* az account get-access-token (azure-identity azure_cli.py). */
int
cred_cli(struct azure_cred *c, struct fd_error *err)
{
	const char *tenant = env(c, "AZURE_TENANT_ID");
	char resource[300];
	const char *argv[] = {
		"az", "account", "get-access-token", "--output", "json",
		"--resource", resource, tenant ? "--tenant" : NULL, tenant, NULL,
	};
	char *out;
	json_t *j, *fixed;
	int rc;

	snprintf(resource, sizeof(resource), "%s/", c->ep.audience);
	out = calloc(1, 65536);
	if (out == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	rc = (c->deps.run ? c->deps.run : run_argv)(c->deps.run_arg, argv, out,
	    65536, err);
	if (rc != 0) {
		azure_free_secret(out);
		if (rc == 127)
			return fd_error_set(err, -ENOENT, "no credential: "
			    "AZURE_CLIENT_ID/AZURE_TENANT_ID with a secret, "
			    "certificate or federated token, managed identity, "
			    "or the Azure CLI (az not found)");
		if (rc > 0)
			return fd_error_set(err, -EACCES,
			    "az account get-access-token exited %d "
			    "(not logged in? run 'az login')", rc);
		return fd_error_prefix(err, "azure cli");
	}
	/* Map the CLI's shape onto a token response: accessToken, and
	 * expires_on (CLI >= 2.54, Azure/azure-cli PR #27476). */
	j = json_loads(out, 0, NULL);
	azure_free_secret(out);
	if (!json_is_string(json_object_get(j, "accessToken"))) {
		json_decref(j);
		return fd_error_set(err, -EPROTO,
		    "az account get-access-token: no accessToken");
	}
	fixed = json_pack("{s:O, s:I}", "access_token",
	    json_object_get(j, "accessToken"), "expires_on",
	    (json_int_t)json_num_or_string(j, "expires_on"));
	json_decref(j);
	out = json_dumps(fixed, JSON_COMPACT);
	json_decref(fixed);
	if (out == NULL)
		return fd_error_set(err, -ENOMEM, "out of memory");
	rc = cred_take(c, out, "access_token", err);
	azure_free_secret(out);
	return rc;
}
