import QrewCore
import QrewRedis
print("bench")
