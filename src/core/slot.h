/*
 * slot.h - keys to slots to shards (DESIGN.md section 2).
 *
 * A key maps to one of 16384 slots exactly as Redis Cluster maps it:
 * CRC16 (CCITT/XMODEM: polynomial 0x1021, initial value 0) of the key,
 * modulo 16384; when the key holds a hash tag - a '{' followed later by a
 * '}' with at least one byte between them - only the bytes between the
 * first '{' and the next '}' are hashed, so users can co-locate keys.
 *
 * Slots map to shards by jump consistent hashing (Lamping and Veach), so
 * going from N to N+1 shards moves about 1/(N+1) of the slots and no slot
 * moves between two shards that both existed before.
 */
#ifndef KVD_SLOT_H
#define KVD_SLOT_H

#include "kvd.h"

#define KVD_SLOTS 16384

uint16_t kvd_crc16(const char *p, size_t len);
/* The slot of a key, honouring hash tags; < KVD_SLOTS. */
unsigned kvd_key_slot(const char *key, size_t len);
/* The shard owning a slot when there are nshards (>= 1) shards. */
int kvd_slot_shard(unsigned slot, int nshards);

#endif /* KVD_SLOT_H */
