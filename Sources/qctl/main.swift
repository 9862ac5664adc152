import QrewCore
print("qctl")
