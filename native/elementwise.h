/*
 * The element-wise kernels of a training step (elementwise.c), on the addon's OpenMP threads.
 */
#ifndef SIMGAN_ELEMENTWISE_H
#define SIMGAN_ELEMENTWISE_H
#include <node_api.h>

/* Add add, relu, reluGrad and sumRows to the addon's exports. */
void elementwise_define(napi_env env, napi_value exports);

#endif
