/*
 * Argument reading shared by the addon's Node-API functions (conv.c, elementwise.c): Float32Array views of the
 * wasm heap, integer sizes, and a JavaScript error naming the function when an argument is wrong.
 */
#ifndef SIMGAN_NAPI_UTIL_H
#define SIMGAN_NAPI_UTIL_H
#include <node_api.h>
#include <stdio.h>

static inline napi_value throw_error(napi_env env, const char *msg) {
  napi_throw_error(env, NULL, msg);
  return NULL;
}

static inline int get_floats(napi_env env, napi_value v, float **p, size_t *len) {
  napi_typedarray_type type;
  void *data;
  napi_value buf;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, &data, &buf, &off) != napi_ok || type != napi_float32_array) return 0;
  *p = (float *)data;
  return 1;
}

static inline int get_ints(napi_env env, napi_value *args, int from, int count, int *out) {
  for (int k = 0; k < count; k++)
    if (napi_get_value_int32(env, args[from + k], &out[k]) != napi_ok) return 0;
  return 1;
}

/* The common call shape: three Float32Arrays, then `count` integers. 0 (with a JavaScript error thrown, naming
 * `name`) when an argument has the wrong type. */
static inline int read_arrays_and_ints(napi_env env, napi_value *args, const char *name, float *p[3], size_t len[3], int count, int *d) {
  char msg[128];
  for (int k = 0; k < 3; k++)
    if (!get_floats(env, args[k], &p[k], &len[k])) {
      snprintf(msg, sizeof msg, "%s: argument %d must be a Float32Array", name, k + 1);
      napi_throw_error(env, NULL, msg);
      return 0;
    }
  if (!get_ints(env, args, 3, count, d)) {
    snprintf(msg, sizeof msg, "%s: sizes must be integers", name);
    napi_throw_error(env, NULL, msg);
    return 0;
  }
  return 1;
}

#define ARGS(n)                                                                       \
  size_t argc = n;                                                                    \
  napi_value args[n];                                                                 \
  if (napi_get_cb_info(env, info, &argc, args, NULL, NULL) != napi_ok || argc != n)   \
    return throw_error(env, "wrong number of arguments");

#endif
