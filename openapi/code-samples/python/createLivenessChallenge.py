import os
import requests

response = requests.post(
    f"{os.environ['FACEPROOF_URL']}/v2/biometric-validations/liveness-challenge",
    headers={"Authorization": f"Bearer {os.environ['LIVENESS_SESSION_TOKEN']}"},
    timeout=30,
)
body = response.json()
if response.ok and body["data"]["livenessMode"] == "active":
    challenge = body["data"]["challenge"]
    # Film the user following challenge["steps"], then POST /v2/biometric-validations/validate with
    # {"image": still, "challengeId": challenge["_id"], "frames": [{"image": ..., "capturedAtMs": ...}, ...]}
    print("steps:", challenge["steps"], "until", challenge["expiresAt"])
elif response.ok:
    print("passive flow: send one image to validate")
else:
    print(body["code"])
