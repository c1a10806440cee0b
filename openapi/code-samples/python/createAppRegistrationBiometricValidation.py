import base64
import os
import requests

with open("face.jpg", "rb") as f:
    image = "data:image/jpeg;base64," + base64.b64encode(f.read()).decode()

response = requests.post(
    f"{os.environ['FACEPROOF_URL']}/v2/biometric-validations/app-registration",
    headers={"Authorization": f"Bearer {os.environ['APP_REGISTRATION_TOKEN']}"},
    json={"image": image, "os": "DESKTOP"},
    timeout=30,
)
body = response.json()
if response.ok:
    print("enrolled:", body["data"])
else:
    print(body["code"], body["message"])  # e.g. 409 person_already_set
