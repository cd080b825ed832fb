from django.urls import path

from civil_affairs import api

urlpatterns = [
    path("civil-affairs/id-renewal/eligibility/", api.EligibilityApi.as_view(), name="api-id-renewal-eligibility"),
    path("civil-affairs/id-renewal/photo-quick-check/", api.PhotoQuickCheckApi.as_view(), name="api-id-renewal-photo-quick-check"),
    path("civil-affairs/id-renewals/", api.RenewalListCreateApi.as_view(), name="api-id-renewals"),
    path("civil-affairs/id-renewals/<int:pk>/", api.RenewalDetailApi.as_view(), name="api-id-renewal-detail"),
    path("civil-affairs/id-renewals/<int:pk>/delivery/", api.RenewalDeliveryApi.as_view(), name="api-id-renewal-delivery"),
    path("civil-affairs/id-renewals/<int:pk>/cancel/", api.RenewalCancelApi.as_view(), name="api-id-renewal-cancel"),
    path("civil-affairs/offices/", api.OfficeListApi.as_view(), name="api-civil-affairs-offices"),
    path("addresses/", api.AddressListApi.as_view(), name="api-addresses"),
]
