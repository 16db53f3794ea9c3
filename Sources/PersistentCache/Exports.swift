// One import for an application: the cache core and every backend.
@_exported import CacheCore
@_exported import CacheRedis
@_exported import CacheVercelKV
