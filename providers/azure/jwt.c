/*
 * The client assertion of Entra's certificate credentials (AZURE-REST.md
 * §4.2, MicrosoftDocs/entra-docs certificate-credentials.md): a JWT signed
 * RS256 with header x5t = base64url SHA-1 thumbprint of the certificate,
 * claims aud = token endpoint, iss = sub = client id, jti, nbf, iat, exp.
 * RSA signing needs OpenSSL's libcrypto.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "azure.h"

static char *
b64url(const unsigned char *in, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	char *out = malloc(n * 4 / 3 + 4), *o = out;
	size_t i;

	if (out == NULL)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		*o++ = tab[in[i] >> 2];
		*o++ = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*o++ = tab[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		*o++ = tab[in[i + 2] & 63];
	}
	if (n - i == 1) {
		*o++ = tab[in[i] >> 2];
		*o++ = tab[(in[i] & 3) << 4];
	} else if (n - i == 2) {
		*o++ = tab[in[i] >> 2];
		*o++ = tab[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		*o++ = tab[(in[i + 1] & 15) << 2];
	}
	*o = '\0';
	return out;
}

static char *
b64url_json(const json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT), *r;

	if (s == NULL)
		return NULL;
	r = b64url((const unsigned char *)s, strlen(s));
	free(s);
	return r;
}

int
azure_jwt_assertion(const char *pem_path, const char *password,
    const char *client_id, const char *audience, char **out,
    struct fd_error *err)
{
	unsigned char sha1[EVP_MAX_MD_SIZE], *sig = NULL;
	unsigned int sha1_len = 0;
	char jti[37], *x5t = NULL, *h64 = NULL, *c64 = NULL, *s64 = NULL;
	char *input = NULL, *jwt = NULL;
	EVP_PKEY *key = NULL;
	X509 *cert = NULL;
	EVP_MD_CTX *md = NULL;
	json_t *hdr = NULL, *claims = NULL;
	size_t sig_len = 0, n;
	time_t now = time(NULL);
	BIO *bio;
	int rc = 0;

	bio = BIO_new_file(pem_path, "r");
	if (bio == NULL)
		return fd_error_set(err, -ENOENT,
		    "AZURE_CLIENT_CERTIFICATE_PATH: cannot read %s", pem_path);
	key = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)password);
	(void)BIO_reset(bio);
	cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
	BIO_free(bio);
	if (key == NULL || cert == NULL) {
		rc = fd_error_set(err, -EINVAL, "%s: need a PEM private key "
		    "and certificate", pem_path);
		goto out;
	}
	if (!X509_digest(cert, EVP_sha1(), sha1, &sha1_len)) {
		rc = fd_error_set(err, -EIO, "certificate thumbprint failed");
		goto out;
	}
	azure_uuid(jti);
	x5t = b64url(sha1, sha1_len);
	hdr = json_pack("{s:s, s:s, s:s}", "alg", "RS256", "typ", "JWT",
	    "x5t", x5t ? x5t : "");
	claims = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:I}",
	    "aud", audience, "iss", client_id, "sub", client_id, "jti", jti,
	    "nbf", (json_int_t)now, "iat", (json_int_t)now,
	    "exp", (json_int_t)(now + 600));
	h64 = hdr ? b64url_json(hdr) : NULL;
	c64 = claims ? b64url_json(claims) : NULL;
	if (x5t == NULL || h64 == NULL || c64 == NULL) {
		rc = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	n = strlen(h64) + strlen(c64) + 2;
	input = malloc(n);
	md = EVP_MD_CTX_new();
	if (input == NULL || md == NULL) {
		rc = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	snprintf(input, n, "%s.%s", h64, c64);
	if (EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &sig_len, (unsigned char *)input,
	    strlen(input)) != 1 || (sig = malloc(sig_len)) == NULL ||
	    EVP_DigestSign(md, sig, &sig_len, (unsigned char *)input,
	    strlen(input)) != 1) {
		rc = fd_error_set(err, -EIO, "RS256 signing failed");
		goto out;
	}
	s64 = b64url(sig, sig_len);
	n = strlen(input) + (s64 ? strlen(s64) : 0) + 2;
	jwt = s64 ? malloc(n) : NULL;
	if (jwt == NULL) {
		rc = fd_error_set(err, -ENOMEM, "out of memory");
		goto out;
	}
	snprintf(jwt, n, "%s.%s", input, s64);
	*out = jwt;
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	X509_free(cert);
	json_decref(hdr);
	json_decref(claims);
	free(x5t);
	free(h64);
	free(c64);
	free(s64);
	free(sig);
	free(input);
	return rc;
}
