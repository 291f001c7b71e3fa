"""The public image catalogue of the emulated region (fixed ids, like real public images)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Image:
    image_id: str
    os_name: str
    platform: str  # the API's Image.Platform: Windows | Ubuntu | CentOS | TencentOS
    size_gb: int = 50

    @property
    def is_windows(self) -> bool:
        return self.platform == "Windows"

    def to_wire(self) -> dict[str, Any]:
        return {
            "ImageId": self.image_id,
            "OsName": self.os_name,
            "ImageType": "PUBLIC_IMAGE",
            "CreatedTime": "2024-01-01T00:00:00+00:00",
            "ImageName": self.os_name,
            "ImageDescription": self.os_name,
            "ImageSize": self.size_gb,
            "Architecture": "x86_64",
            "ImageState": "NORMAL",
            "Platform": self.platform,
            "ImageCreator": "",
            "ImageSource": "OFFICIAL",
            "SyncPercent": 100,
            "IsSupportCloudinit": True,
            "SnapshotSet": [],
            "Tags": [],
            "LicenseType": "TencentCloud",
            "ImageFamily": "",
            "ImageDeprecated": False,
        }


IMAGES: tuple[Image, ...] = (
    Image("img-9id7emv7", "Windows Server 2022 数据中心版 64位中文版", "Windows"),
    Image("img-1x5mzq8w", "Windows Server 2019 数据中心版 64位中文版", "Windows"),
    Image("img-2w9hdkq3", "Windows Server 2016 数据中心版 64位英文版", "Windows"),
    Image("img-487zeit5", "Ubuntu Server 22.04 LTS 64bit", "Ubuntu", 20),
    Image("img-l8og963d", "CentOS 7.9 64bit", "CentOS", 20),
    Image("img-eb30mz89", "TencentOS Server 3.1 (TK4)", "TencentOS", 20),
)
BY_ID: dict[str, Image] = {img.image_id: img for img in IMAGES}
DEFAULT_WINDOWS_IMAGE = IMAGES[1].image_id
DEFAULT_LINUX_IMAGE = IMAGES[3].image_id
