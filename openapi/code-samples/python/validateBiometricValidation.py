import base64
import os
import requests

with open("face.jpg", "rb") as f:
    image = "data:image/jpeg;base64," + base64.b64encode(f.read()).decode()

response = requests.post(
    f"{os.environ['FACEPROOF_URL']}/v2/biometric-validations/validate",
    headers={"Authorization": f"Bearer {os.environ['LIVENESS_SESSION_TOKEN']}"},
    json={"image": image},
    timeout=30,
)
body = response.json()
if response.ok:
    print("result token:", body["data"]["token"])  # verify it with the JWKS
else:
    print(body["code"], "attempts left:", body.get("attemptsRemaining"))
